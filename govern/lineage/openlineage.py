"""OpenLineage static lineage: a JobEvent per automation, a DatasetEvent per asset.

Built with openlineage-python's generated classes (spec 2-0-2), so Marquez or DataHub
can ingest govern's inventory. Datasets keep govern's asset naming, which already
follows the OpenLineage convention: namespace ``scheme://authority``, name the rest
(``/`` when there is none). Jobs are named ``<namespace>.<name>`` in the namespace
``govern://<instance>/<automation namespace>``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from openlineage.client.event_v2 import (
    DatasetEvent,
    InputDataset,
    Job,
    JobEvent,
    OutputDataset,
    StaticDataset,
)
from openlineage.client.facet_v2 import (
    datasource_dataset,
    documentation_job,
    job_type_job,
    ownership_job,
    tags_dataset,
)
from openlineage.client.serde import Serde

from govern import __version__
from govern.db import utcnow

if TYPE_CHECKING:
    from govern.lineage.graph import LineageGraph

PRODUCER = f"https://github.com/govern/govern/tree/v{__version__}"
DEFAULT_INSTANCE = "govern"


def job_namespace(automation_namespace: str, instance: str = DEFAULT_INSTANCE) -> str:
    return f"govern://{instance}/{automation_namespace}"


def _dataset_name(attrs: dict[str, Any]) -> tuple[str, str]:
    return attrs["namespace"], attrs.get("name") or "/"


def _dataset_facets(attrs: dict[str, Any]) -> dict[str, Any]:
    namespace = attrs["namespace"]
    tags = [
        tags_dataset.TagsDatasetFacetFields(key=tag, value="true", source="GOVERN")
        for tag in attrs.get("tags", ())
    ]
    if attrs.get("classification"):
        tags.insert(
            0,
            tags_dataset.TagsDatasetFacetFields(
                key="classification", value=attrs["classification"], source="GOVERN"
            ),
        )
    tags.append(
        tags_dataset.TagsDatasetFacetFields(
            key="external", value=str(bool(attrs.get("external"))).lower(), source="GOVERN"
        )
    )
    if attrs.get("external"):
        tags.append(
            tags_dataset.TagsDatasetFacetFields(
                key="approved", value=str(bool(attrs.get("approved"))).lower(), source="GOVERN"
            )
        )
    if attrs.get("ai_provider"):
        tags.append(
            tags_dataset.TagsDatasetFacetFields(
                key="ai_provider", value=attrs["ai_provider"], source="GOVERN"
            )
        )
    return {
        "dataSource": datasource_dataset.DatasourceDatasetFacet(
            name=namespace, uri=namespace, producer=PRODUCER
        ),
        "tags": tags_dataset.TagsDatasetFacet(tags=tags, producer=PRODUCER),
    }


def _job_facets(attrs: dict[str, Any]) -> dict[str, Any]:
    owners = []
    if attrs.get("owner"):
        owners.append(ownership_job.Owner(name=f"user:{attrs['owner']}", type="OWNER"))
    if attrs.get("backup_owner"):
        owners.append(ownership_job.Owner(name=f"user:{attrs['backup_owner']}", type="BACKUP"))
    facets: dict[str, Any] = {
        "jobType": job_type_job.JobTypeJobFacet(
            processingType="BATCH",
            integration="GOVERN",
            jobType=attrs.get("platform", "other").upper().replace("-", "_"),
            producer=PRODUCER,
        ),
        "ownership": ownership_job.OwnershipJobFacet(owners=owners, producer=PRODUCER),
    }
    if attrs.get("label") and attrs["label"] != attrs.get("key"):
        facets["documentation"] = documentation_job.DocumentationJobFacet(
            description=attrs["label"], producer=PRODUCER
        )
    return facets


def events(
    graph: LineageGraph,
    scope: set[str] | None = None,
    *,
    instance: str = DEFAULT_INSTANCE,
    event_time: str | None = None,
) -> list[dict[str, Any]]:
    """Every event as a JSON-ready dict: DatasetEvents first, then JobEvents."""
    when = event_time or utcnow().isoformat()
    out: list[dict[str, Any]] = []
    with graph.lock:
        nodes, succ, pred = graph.g._node, graph.g._succ, graph.g._pred
        for n, attrs in sorted(nodes.items()):
            if attrs.get("type") != "asset" or (scope is not None and n not in scope):
                continue
            namespace, name = _dataset_name(attrs)
            dataset = StaticDataset(namespace=namespace, name=name, facets=_dataset_facets(attrs))
            out.append(
                Serde.to_dict(DatasetEvent(eventTime=when, producer=PRODUCER, dataset=dataset))
            )
        for n, attrs in sorted(nodes.items()):
            if attrs.get("type") != "automation" or (scope is not None and n not in scope):
                continue
            if attrs.get("lifecycle") == "retired":
                continue
            inputs = [
                InputDataset(*_dataset_name(nodes[a]))
                for a, data in sorted(pred[n].items())
                if a.startswith("asset:") and "read" in data
            ]
            outputs = [
                OutputDataset(*_dataset_name(nodes[a]))
                for a, data in sorted(succ[n].items())
                if a.startswith("asset:") and ("write" in data or "call" in data)
            ]
            job = Job(
                namespace=job_namespace(attrs["namespace"], instance),
                name=f"{attrs['namespace']}.{attrs['name']}",
                facets=_job_facets(attrs),
            )
            event = JobEvent(
                eventTime=when, producer=PRODUCER, job=job, inputs=inputs, outputs=outputs
            )
            out.append(Serde.to_dict(event))
    return out
