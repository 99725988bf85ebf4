"""Reading the manifests of one registration, in worker processes when the batch is large.

``govern register PATHS`` reads and validates every file before anything it wrote can be
kept. Most of that time is parsing YAML, which one process does on one core. For a batch
of more than ``PARALLEL_MIN_BYTES`` the files are parsed, validated and prepared for
writing (``govern.registry.declared.prepare``) by forked worker processes, while this
process does something else: imports what writing needs, then writes what the workers
have sent so far (``register.register_manifests``). Files come back in order, each as
soon as it is read.

The result is the serial one, exactly: the same documents and the same problems in the
same order (problems of reading first, then each document's, each duplicate after its
document), and an unexpected error in a worker is raised here as it would have been.
Where processes cannot be forked, or a worker dies, the files are read here instead.
"""

from __future__ import annotations

import contextlib
import marshal
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from govern.registry.manifest import (
    MAX_MANIFEST_BYTES,
    Document,
    LoadResult,
    Problem,
    identity,
    load_file,
    manifest_files,
    validate,
    validate_document,
)

#: Below this many bytes of manifests, starting workers costs more than it saves.
PARALLEL_MIN_BYTES = 256 * 1024
#: At most this many workers (each parses a share of the files).
MAX_WORKERS = 8
#: Workers run at the lowest priority (``nice``): the writer, which they feed and which
#: the batch waits for, keeps its core; they take what it leaves.
WORKER_NICENESS = 19
#: Files are handed out in tasks of about this many bytes (or one file each).
TASK_BYTES = 32 * 1024

Prepare = Callable[[Document], Any]


def load_manifests(
    paths: Iterable[Path],
    *,
    prepare: Prepare | None = None,
    max_bytes: int = MAX_MANIFEST_BYTES,
    workers: int | None = None,
) -> LoadResult:
    """Load and validate every manifest under ``paths`` (files or directories); see
    :class:`ManifestStream`."""
    with ManifestStream(paths, prepare=prepare, max_bytes=max_bytes, workers=workers) as stream:
        return stream.result()


class ManifestStream:
    """The manifests under ``paths`` (files or directories; a path that does not exist
    is a problem), read by worker processes when the batch is large.

    Iterate :meth:`files` to get each file's documents as soon as it is read, in order;
    :meth:`result` gives the whole validated :class:`LoadResult` (reading what is left).
    ``prepare`` (a module-level function, so that a worker can run it) is applied to
    each valid document read by a worker and kept as ``document.prepared``; it returns
    plain values (a tuple, a NamedTuple restored by ``restore``, ...: what ``marshal``
    carries, quicker than pickle).
    ``workers``: how many (None: decided from the batch size and the CPUs; 0: none,
    read here). Use it as a context manager, so that the workers end.
    """

    def __init__(
        self,
        paths: Iterable[Path],
        *,
        prepare: Prepare | None = None,
        restore: Callable[[tuple], Any] | None = None,
        max_bytes: int = MAX_MANIFEST_BYTES,
        workers: int | None = None,
    ):
        self.prepare = prepare
        self.restore = restore
        self.max_bytes = max_bytes
        self.items: list[Path | Problem] = []
        for path in paths:
            if not path.exists():
                self.items.append(Problem(str(path), "", "no such file or directory"))
                continue
            self.items.extend(manifest_files(path))
        files = [item for item in self.items if isinstance(item, Path)]
        self._tasks = _tasks(files)
        tasks = len(self._tasks)
        count = _worker_count(files, tasks) if workers is None else min(workers, tasks)
        self._pool = self._futures = None
        if count > 0:
            self._start(count)
        self._loaded = LoadResult()
        self._seen: set[tuple[str, str]] = set()
        self._clean = True
        self._done = False
        self._reading = False

    @property
    def parallel(self) -> bool:
        """Whether workers read the files."""
        return self._pool is not None

    @property
    def consumed(self) -> bool:
        """Whether :meth:`files` was (or is being) iterated."""
        return self._reading or self._done

    @property
    def clean(self) -> bool:
        """No problem so far (reading, a document's, a duplicate) in what was yielded."""
        return self._clean

    def files(self) -> Iterator[list[Document]]:
        """Each file's documents, in order, as soon as it is read (once)."""
        if self.consumed:
            raise RuntimeError("the manifests were already read")
        self._reading = True
        loaded = self._loaded
        answers = self._answers()
        for item in self.items:
            if isinstance(item, Problem):
                loaded.problems.append(item)
                self._clean = False
                continue
            problems, docs = next(answers)
            loaded.problems.extend(problems)
            loaded.documents.extend(docs)
            if problems:
                self._clean = False
            for doc in docs:
                self._note(doc)
            yield docs
        self._done = True
        self.close()

    def result(self) -> LoadResult:
        """Every document and every problem, validated (reads what is left first)."""
        if not self._done:
            if self._reading:
                raise RuntimeError("result() while files() is being iterated")
            for _ in self.files():
                pass
        return validate(self._loaded)

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> ManifestStream:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- internals ---------------------------------------------------------------

    def _note(self, doc: Document) -> None:
        if doc.checked:
            self._clean = False
        key = getattr(doc.prepared, "key", None)  # an automation's, prepared by a worker
        ident = ("Automation", key) if key is not None else identity(doc.body)
        if ident is not None:
            if ident in self._seen:
                self._clean = False
            self._seen.add(ident)

    def _start(self, count: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        try:
            context = multiprocessing.get_context("fork")
        except ValueError:  # pragma: no cover - no fork on this platform
            return
        pool = ProcessPoolExecutor(count, mp_context=context, initializer=_lower_priority)
        try:
            self._futures = [
                pool.submit(_load_task, task, self.prepare, self.max_bytes) for task in self._tasks
            ]
        except (OSError, RuntimeError, BrokenProcessPool):  # no processes left to fork
            pool.shutdown(wait=True, cancel_futures=True)
            self._futures = None
            return
        self._pool = pool

    def _answers(self) -> Iterator[tuple[list[Problem], list[Document]]]:
        """(problems, documents) of each file, in order."""
        from concurrent.futures.process import BrokenProcessPool

        for number, task in enumerate(self._tasks):
            if self._futures is None:
                yield from self._read_here(task)
                continue
            try:
                answer = _unpacked(self._futures[number].result())
            except BrokenProcessPool:  # a worker died: read here from now on
                self.close()
                self._pool = self._futures = None
                yield from self._read_here(task)
                continue
            restore = self.restore
            for path, (problems, docs) in zip(task, answer, strict=True):
                source = str(path)
                yield (
                    [Problem(*p) for p in problems],
                    [
                        Document(
                            source,
                            index,
                            body,
                            checked=[Problem(*p) for p in checked],
                            prepared=restore(prepared) if restore and prepared else prepared,
                        )
                        for index, body, checked, prepared in docs
                    ],
                )

    def _read_here(self, task: list[Path]) -> Iterator[tuple[list[Problem], list[Document]]]:
        for path in task:
            result = load_file(path, self.max_bytes)
            for doc in result.documents:
                doc.checked = validate_document(doc)
            yield result.problems, result.documents


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _tasks(files: list[Path]) -> list[list[Path]]:
    tasks: list[list[Path]] = []
    current: list[Path] = []
    size = 0
    for file in files:
        current.append(file)
        size += _size(file)
        if size >= TASK_BYTES:
            tasks.append(current)
            current, size = [], 0
    if current:
        tasks.append(current)
    return tasks


def _worker_count(files: list[Path], tasks: int) -> int:
    cpus = _cpus()
    if cpus < 2 or sum(_size(f) for f in files) < PARALLEL_MIN_BYTES:
        return 0
    return min(cpus, MAX_WORKERS, tasks)


def _lower_priority() -> None:
    """Workers yield the CPU to the writer (this process), which the batch waits for."""
    with contextlib.suppress(OSError):  # not allowed: the same priority, still correct
        os.nice(WORKER_NICENESS)


def _load_task(files: list[Path], prepare: Prepare | None, max_bytes: int) -> tuple:
    """In a worker: read, validate and prepare ``files``; plain values (problems as
    tuples), packed by marshal (three times quicker than pickle both ways)."""
    out = []
    for path in files:
        result = load_file(path, max_bytes)
        docs = []
        for doc in result.documents:
            problems = validate_document(doc)
            prepared = None
            if prepare is not None and not problems:
                try:
                    prepared = prepare(doc)
                except Exception:  # the writer derives it again, failing as it would
                    prepared = None
                if isinstance(prepared, tuple):
                    prepared = tuple(prepared)
            docs.append((doc.index, doc.body, [_plain(p) for p in problems], prepared))
        out.append(([_plain(p) for p in result.problems], docs))
    try:
        return ("marshal", marshal.dumps(out))
    except ValueError:  # what marshal does not carry (a date in a YAML !!omap pair, say)
        return ("pickle", out)


def _plain(problem: Problem) -> tuple:
    return (problem.source, problem.path, problem.message, problem.document)


def _unpacked(answer: tuple) -> list:
    how, payload = answer
    return marshal.loads(payload) if how == "marshal" else payload
