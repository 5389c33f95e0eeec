"""The report: a Markdown table and JSON under bench/results/, with the targets checked."""

import json
import statistics
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from bench.config import RESULTS_DIR, BenchConfig
from bench.cpu import CpuUse
from bench.load import LoadResult

# Names the summary looks results up by.
ME = "1. GET /users/me"
CEILING = "ceiling: raw ASGI /users/me"
REFRESH = "2. refresh rotation"
LOGIN = "3. login"
REGISTER = "4. registration"
ALONE = "5a. /users/me alone"
FLOODED = "5b. /users/me during login flood"
FLOOD = "5c. the login flood itself"


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    name: str
    concurrency: int
    result: LoadResult
    peak_rss_mib: float
    cpu: CpuUse | None = None


@dataclass(slots=True)
class Report:
    config: BenchConfig
    client: str
    argon2_per_sec: float = 0.0
    # The line above the table; by default, the workers and durations of `make bench`.
    description: str = ""
    scenarios: list[ScenarioResult] = field(default_factory=list)
    # What the scenarios beyond the first five add: figures, targets, and
    # Markdown sections (a table of table sizes, per-minute figures...).
    extra_figures: dict[str, float] = field(default_factory=dict)
    extra_targets: list[tuple[str, bool]] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)

    def runs(self, name: str) -> list[ScenarioResult]:
        return [scenario for scenario in self.scenarios if scenario.name == name]

    def median_rps(self, name: str) -> float:
        return statistics.median(run.result.requests_per_sec for run in self.runs(name))

    def median_p99(self, name: str) -> float:
        return statistics.median(run.result.p99_ms for run in self.runs(name))

    def has_core(self) -> bool:
        """Whether the first five scenarios ran (`make bench`, not `make bench-soak`)."""
        return all(self.runs(name) for name in (ME, CEILING, REFRESH, LOGIN, ALONE, FLOODED))

    def core_figures(self) -> dict[str, float]:
        if not self.has_core():
            return {}
        alone = self.median_rps(ALONE)
        me = [run.result.requests_per_sec for run in self.runs(ME)]
        return {
            "me_over_ceiling_rps": self.median_rps(ME) / self.median_rps(CEILING),
            "me_p99_over_ceiling_p99": self.median_p99(ME) / self.median_p99(CEILING),
            "me_rps_spread_pct": (max(me) - min(me)) / statistics.median(me) * 100,
            "refresh_rps": self.median_rps(REFRESH),
            "login_over_argon2": self.median_rps(LOGIN) / self.argon2_per_sec,
            "isolation_flooded_over_alone": self.median_rps(FLOODED) / alone,
            "isolation_flooded_p99_ms": self.median_p99(FLOODED),
            "login_flood_peak_rss_mib": max(
                run.peak_rss_mib for run in self.runs(LOGIN) + self.runs(FLOODED)
            ),
        }

    def figures(self) -> dict[str, float]:
        errors = sum(run.result.errors for run in self.scenarios)
        return {**self.core_figures(), **self.extra_figures, "errors": errors}

    def targets(self) -> list[tuple[str, bool]]:
        f = self.figures()
        core = []
        if self.has_core():
            core = [
                ("/users/me >= 0.4 x ceiling req/s", f["me_over_ceiling_rps"] >= 0.4),
                ("/users/me p99 <= 3 x ceiling p99", f["me_p99_over_ceiling_p99"] <= 3),
                ("refresh rotation >= 2,500 req/s", f["refresh_rps"] >= 2500),
                ("login >= 0.8 x raw Argon2id", f["login_over_argon2"] >= 0.8),
                ("isolation: flooded >= 0.5 x alone", f["isolation_flooded_over_alone"] >= 0.5),
                ("isolation: flooded p99 < 25 ms", f["isolation_flooded_p99_ms"] < 25),
                ("peak RSS under login flood <= 150 MiB", f["login_flood_peak_rss_mib"] <= 150),
            ]
        return [*core, *self.extra_targets, ("no errors in any scenario", f["errors"] == 0)]


def _core_summary(report: Report) -> list[str]:
    f = report.core_figures()
    if not f:
        return []
    return [
        f"| raw Argon2id verifications/s (same parameters, threads x workers) | - "
        f"| {report.argon2_per_sec:,.1f} | | | | | | |",
        "",
        f"- /users/me: {f['me_over_ceiling_rps']:.2f} of the ceiling's req/s (medians), p99 "
        f"{f['me_p99_over_ceiling_p99']:.2f}x the ceiling's; spread of the "
        f"{report.config.repeats} runs {f['me_rps_spread_pct']:.0f}% of their median.",
        f"- Login: {f['login_over_argon2']:.2f} of raw Argon2id throughput.",
        f"- Isolation: /users/me keeps {f['isolation_flooded_over_alone']:.2f} of its req/s "
        f"during the login flood, p99 {f['isolation_flooded_p99_ms']:.1f} ms.",
    ]


def markdown(report: Report) -> str:
    config = report.config
    lines = [
        report.description
        or (
            f"Workers: {config.workers}; {config.duration_secs:g} s per scenario after "
            f"{config.warmup_secs:g} s warm-up; client: {report.client}."
        ),
        "",
        "| scenario | conc. | req/s | p50 ms | p90 ms | p99 ms | max ms | errors | peak RSS MiB |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for s in report.scenarios:
        r = s.result
        lines.append(
            f"| {s.name} | {s.concurrency} | {r.requests_per_sec:,.0f} | {r.p50_ms:.1f} "
            f"| {r.p90_ms:.1f} | {r.p99_ms:.1f} | {r.max_ms:.1f} | {r.errors} "
            f"| {s.peak_rss_mib:.0f} |"
        )
    lines += _core_summary(report)
    for section in report.sections:
        lines += ["", section.rstrip("\n")]
    lines += [
        "",
        "| target | met |",
        "|---|---|",
        *(f"| {name} | {'yes' if met else 'NO'} |" for name, met in report.targets()),
    ]
    return "\n".join(lines) + "\n"


def write_report(report: Report, prefix: str = "bench") -> tuple[Path, Path]:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    json_path = RESULTS_DIR / f"{prefix}-{stamp}.json"
    markdown_path = RESULTS_DIR / f"{prefix}-{stamp}.md"
    document = {
        "config": asdict(report.config),
        "client": report.client,
        "argon2_per_sec": report.argon2_per_sec,
        "scenarios": [
            {**asdict(s), "requests_per_sec": s.result.requests_per_sec} for s in report.scenarios
        ],
        "figures": report.figures(),
        "targets": dict(report.targets()),
        "sections": report.sections,
    }
    json_path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    markdown_path.write_text(markdown(report), encoding="utf-8")
    return json_path, markdown_path
