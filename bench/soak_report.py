"""What the soak reports: per-minute latency, errors, memory and table sizes, against its targets.

Targets (issue 9): no errors; each minute's p99 within 1.5 x the first
minute's; the worker's resident memory grows less than 5% from minute 2 to
the last; the tables stay flat (rows and bytes grow less than 5% from
minute 2 to the last).

The security-event record is the exception, by the contract: it keeps one
row per login, logout and other security event for
SECURITY__EVENT_RETENTION_DAYS (365 by default), so it grows with the
soak's logins until that retention, far past any soak, and is flat only
then. It is reported on its own, in rows per event-making request.
"""

from collections import Counter
from dataclasses import dataclass, field

from bench.database import TableSize
from bench.load import load_result
from bench.mixed_load import Sample
from bench.purge import PurgeRun
from bench.report import Report

P99_LIMIT = 1.5
KINDS = ("me", "refresh", "login", "logout")
GROWTH_LIMIT_PCT = 5.0
# Bounded by its retention in days, not by the soak's minutes (see above).
RETAINED_RECORD = "security_events"
# The soak's requests that record a security event.
EVENT_KINDS = ("login", "logout")


@dataclass(slots=True)
class Minute:
    number: int
    rss_mib: float  # at the minute's end
    peak_rss_mib: float
    tables: list[TableSize]
    samples: list[Sample] = field(default_factory=list)


def _p99_ms(samples: list[Sample], kind: str | None = None) -> float:
    latencies = [s.latency_secs for s in samples if kind is None or s.kind == kind]
    return load_result(latencies, 1.0, 0).p99_ms


def _growth_pct(before: float, after: float) -> float:
    return (after / before - 1) * 100 if before else 0.0


def _events_per_request(minutes: list[Minute]) -> float:
    """Rows the security-event record gained from minute 2 to the last, per
    login and logout answered meanwhile."""
    if len(minutes) < 2:
        return 0.0
    rows = {m.number: t.rows for m in minutes for t in m.tables if t.name == RETAINED_RECORD}
    gained = rows.get(minutes[-1].number, 0) - rows.get(minutes[1].number, 0)
    requests = sum(1 for m in minutes[2:] for s in m.samples if s.kind in EVENT_KINDS and s.ok)
    return gained / requests if requests else 0.0


def _latency_table(minutes: list[Minute]) -> list[str]:
    first = _p99_ms(minutes[0].samples)
    lines = [
        "| minute | requests | p99 ms | x minute 1 | p99 me | p99 refresh | p99 login "
        "| p99 logout | errors | RSS MiB |",
        "|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for m in minutes:
        p99 = _p99_ms(m.samples)
        kinds = " | ".join(f"{_p99_ms(m.samples, kind):.1f}" for kind in KINDS)
        errors = sum(not s.ok for s in m.samples)
        lines.append(
            f"| {m.number} | {len(m.samples):,} | {p99:.1f} | {p99 / first:.2f} | {kinds} "
            f"| {errors} | {m.rss_mib:.1f} |"
        )
    return lines


def _tables_table(minutes: list[Minute]) -> list[str]:
    """Rows and KiB (with indexes, free-space and visibility maps) of each table."""
    names = [t.name for t in minutes[0].tables]
    lines = [
        "| minute | " + " | ".join(f"{name} rows / KiB" for name in names) + " | all MiB |",
        "|--:|" + "--:|" * (len(names) + 1),
    ]
    for m in minutes:
        cells = " | ".join(f"{t.rows:,} / {t.bytes // 1024:,}" for t in m.tables)
        total = sum(t.bytes for t in m.tables) / 2**20
        lines.append(f"| {m.number} | {cells} | {total:.1f} |")
    return lines


def _error_lines(minutes: list[Minute]) -> list[str]:
    failed = Counter((s.kind, s.status) for m in minutes for s in m.samples if not s.ok)
    if not failed:
        return []
    counts = ", ".join(
        f"{kind} {status or 'no answer'}: {count}" for (kind, status), count in failed.most_common()
    )
    return [f"Errors by request and status: {counts}.", ""]


def _purge_lines(purges: list[PurgeRun], purge_available: bool) -> list[str]:
    if not purge_available:
        return ["No purge ran: `app purge` does not exist yet (or PURGE_COMMAND is empty)."]
    return [
        f"- purge {i}: {run.secs:.1f} s, exit {run.returncode}: `{run.output}`"
        for i, run in enumerate(purges, 1)
    ] or ["No purge came due."]


def soak_summary(
    report: Report, minutes: list[Minute], purges: list[PurgeRun], *, purge_available: bool
) -> None:
    first = _p99_ms(minutes[0].samples)
    worst = max(_p99_ms(m.samples) for m in minutes) / first if first else 0.0
    base = minutes[1] if len(minutes) > 1 else minutes[0]
    last = minutes[-1]
    flat_before = [t for t in base.tables if t.name != RETAINED_RECORD]
    flat_after = [t for t in last.tables if t.name != RETAINED_RECORD]
    figures = {
        "soak_p99_worst_over_first": worst,
        "soak_rss_growth_pct": _growth_pct(base.rss_mib, last.rss_mib),
        "soak_rows_growth_pct": _growth_pct(
            sum(t.rows for t in flat_before), sum(t.rows for t in flat_after)
        ),
        "soak_bytes_growth_pct": _growth_pct(
            sum(t.bytes for t in flat_before), sum(t.bytes for t in flat_after)
        ),
        "soak_security_events_per_event_request": _events_per_request(minutes),
    }
    report.extra_figures.update(figures)
    report.extra_targets += [
        (f"soak: every minute's p99 <= {P99_LIMIT} x minute 1's", worst <= P99_LIMIT),
        (
            f"soak: worker RSS grows < {GROWTH_LIMIT_PCT:g}% from minute 2 to {last.number}",
            figures["soak_rss_growth_pct"] < GROWTH_LIMIT_PCT,
        ),
        (
            f"soak: table rows and bytes (but {RETAINED_RECORD}) grow < "
            f"{GROWTH_LIMIT_PCT:g}% from minute 2 to {last.number}",
            max(figures["soak_rows_growth_pct"], figures["soak_bytes_growth_pct"])
            < GROWTH_LIMIT_PCT,
        ),
    ]
    report.sections.append(
        "\n".join(
            [
                f"Soak: p99 per minute (ms, latency counted from when each request was due), "
                f"worst {worst:.2f} x minute 1; worker RSS "
                f"{figures['soak_rss_growth_pct']:+.1f}% and table rows "
                f"{figures['soak_rows_growth_pct']:+.1f}%, bytes "
                f"{figures['soak_bytes_growth_pct']:+.1f}% from minute 2 to {last.number} "
                f"(all tables but {RETAINED_RECORD}, which gained "
                f"{figures['soak_security_events_per_event_request']:.2f} rows per "
                f"{' and '.join(EVENT_KINDS)}: the record kept for "
                "SECURITY__EVENT_RETENTION_DAYS).",
                "",
                *_latency_table(minutes),
                "",
                *_tables_table(minutes),
                "",
                *_error_lines(minutes),
                *_purge_lines(purges, purge_available),
            ]
        )
    )
