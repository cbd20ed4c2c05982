"""Where a profiled server spent its time: cProfile's pstats, summarised as file:line hot spots."""

import pstats
import sysconfig
from collections import defaultdict
from pathlib import Path
from typing import Any

from bench.procs import ROOT

SITE = Path(sysconfig.get_paths()["purelib"]).resolve()
STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()


def where(path: str) -> tuple[str, str]:
    """(area, short path): project files relative to the repository, packages by their own path."""
    if path.startswith("<") or path == "~":
        return "builtins", path
    resolved = Path(path).resolve()
    for base, area in ((SITE, None), (ROOT, "service"), (STDLIB, "stdlib")):
        if resolved.is_relative_to(base):
            short = resolved.relative_to(base).as_posix()
            return (area or short.split("/")[0].removesuffix(".py")), short
    return "other", path


def _label(key: tuple[str, int, str]) -> str:
    path, line, func = key
    return f"{where(path)[1]}:{line} {func}" if line else f"{where(path)[1]} {func}"


def _via(stats: dict[Any, Any], key: tuple[str, int, str], depth: int = 8) -> str | None:
    """The nearest service frame this was called from (following the heaviest caller at each step)."""
    seen = {key}
    for _ in range(depth):
        callers = stats[key][4]
        if not callers:
            return None
        key = max(callers, key=lambda k: callers[k][3])
        if key in seen:
            return None
        seen.add(key)
        if where(key[0])[0] == "service":
            return _label(key)
    return None


def summarise(stats_file: Path, top: int = 15) -> dict[str, Any]:
    raw = pstats.Stats(str(stats_file)).stats  # type: ignore[attr-defined]
    entries = []
    for key, (_, calls, own, cumulative, _) in raw.items():
        path, line, func = key
        area, short = where(path)
        entries.append({"where": f"{short}:{line}" if line else short, "function": func, "area": area,
                        "calls": calls, "own_s": own, "cumulative_s": cumulative, "key": key})
    total = sum(e["own_s"] for e in entries) or 1.0
    by_area: defaultdict[str, float] = defaultdict(float)
    for e in entries:
        by_area[e["area"]] += e["own_s"]
    service = [e for e in entries if e["area"] == "service"]

    def share(rows: list[dict[str, Any]], key: str) -> list[dict[str, Any]]:
        chosen = sorted(rows, key=lambda r: r[key], reverse=True)[:top]
        return [
            {k: v for k, v in r.items() if k != "key"}
            | {"share": r[key] / total, "via": None if r["area"] == "service" else _via(raw, r["key"])}
            for r in chosen
        ]

    return {
        "total_s": total,
        "own_time": share(entries, "own_s"),
        "service_cumulative": share(service, "cumulative_s"),
        "by_area": {k: v / total for k, v in sorted(by_area.items(), key=lambda kv: kv[1], reverse=True)[:12]},
    }
