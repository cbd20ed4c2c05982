"""Geometry for the pictures the console draws as inline SVG: the delivery map (two points and the distance
between them, no map tiles, so it works offline) and the report charts. Pure functions; the templates only
place what these compute."""

import math
from collections.abc import Callable
from dataclasses import dataclass

from disputes.policy.geo import haversine_m

MAP_WIDTH, MAP_HEIGHT, MAP_PAD = 480, 280, 48
METRES_PER_DEGREE_LAT = 110_574.0
METRES_PER_DEGREE_LON = 111_320.0  # at the equator; times cos(latitude)
MIN_EXTENT_M = 30.0
NICE_LENGTHS = (5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000)


@dataclass(frozen=True)
class Point:
    x: float
    y: float


@dataclass(frozen=True)
class DeliveryMap:
    width: int
    height: int
    address: Point
    delivery: Point
    label: Point  # where the distance is written: above both points and the accuracy circle
    distance_m: float
    accuracy_m: float | None
    accuracy_px: float
    scale_m: int
    scale_px: float


def delivery_map(address: tuple[float, float], delivery: tuple[float, float], accuracy_m: float | None) -> DeliveryMap:
    """Both points (lat, lon) on a local flat projection around their midpoint, scaled to fit, north up."""
    mid_lat = (address[0] + delivery[0]) / 2
    mid_lon = (address[1] + delivery[1]) / 2
    across = METRES_PER_DEGREE_LON * math.cos(math.radians(mid_lat))

    def metres(lat: float, lon: float) -> tuple[float, float]:
        return (lon - mid_lon) * across, (lat - mid_lat) * METRES_PER_DEGREE_LAT

    a, d = metres(*address), metres(*delivery)
    around = accuracy_m or 0.0  # the accuracy circle is drawn around the delivery point, and must fit too
    extent = max(abs(a[0]), abs(a[1]), abs(d[0]) + around, abs(d[1]) + around, MIN_EXTENT_M)
    scale = min(MAP_WIDTH / 2 - MAP_PAD, MAP_HEIGHT / 2 - MAP_PAD) / extent  # pixels per metre

    def pixel(x: float, y: float) -> Point:
        return Point(round(MAP_WIDTH / 2 + x * scale, 1), round(MAP_HEIGHT / 2 - y * scale, 1))

    start, end = pixel(*a), pixel(*d)
    accuracy_px = round(around * scale, 1)
    top = max(min(start.y - 12, end.y - accuracy_px - 8), 14)
    bar_m = max((n for n in NICE_LENGTHS if n * scale <= MAP_WIDTH / 4), default=NICE_LENGTHS[0])
    return DeliveryMap(
        width=MAP_WIDTH, height=MAP_HEIGHT, address=start, delivery=end,
        label=Point(round((start.x + end.x) / 2, 1), round(top, 1)),
        distance_m=haversine_m(address[0], address[1], delivery[0], delivery[1]), accuracy_m=accuracy_m,
        accuracy_px=accuracy_px, scale_m=bar_m, scale_px=round(bar_m * scale, 1),
    )


CHART_WIDTH, LABEL_WIDTH, BAR_HEIGHT, BAR_GAP = 560, 120, 18, 8


@dataclass(frozen=True)
class Segment:
    key: str  # what the part stands for: a CSS class and a word to translate
    value: float
    x: float
    width: float
    text: str


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    segments: tuple[Segment, ...]
    total_text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    label_width: int
    bar_height: int
    bars: tuple[Bar, ...]
    keys: tuple[str, ...]


def bar_chart(rows: list[tuple[str, list[tuple[str, float, str]]]], maximum: float | None = None,
              total_text: Callable[[float], str] | None = None) -> BarChart:
    """Horizontal bars, one per row, each stacked from its (key, value, text) parts; all scaled to `maximum`
    (the largest row total when None); each row's total written after it by `total_text`."""
    totals = [sum(v for _, v, _ in parts) for _, parts in rows]
    top = maximum if maximum is not None else max(totals, default=0.0)
    room = CHART_WIDTH - LABEL_WIDTH - 110  # leaves room for the total written after the longest bar
    bars = []
    for index, (label, parts) in enumerate(rows):
        x, segments = float(LABEL_WIDTH), []
        for key, value, text in parts:
            width = round(room * value / top, 1) if top else 0.0
            segments.append(Segment(key, value, x, width, text))
            x += width
        total = total_text(totals[index]) if total_text else ""
        bars.append(Bar(label, index * (BAR_HEIGHT + BAR_GAP), tuple(segments), total))
    keys = tuple(dict.fromkeys(key for _, parts in rows for key, _, _ in parts))
    return BarChart(CHART_WIDTH, max(len(bars), 1) * (BAR_HEIGHT + BAR_GAP), LABEL_WIDTH, BAR_HEIGHT, tuple(bars), keys)


LINE_HEIGHT, LINE_PAD = 220, 48


@dataclass(frozen=True)
class LinePoint:
    x: float
    y: float
    label: str
    text: str


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    points: tuple[LinePoint, ...]
    path: str
    gridlines: tuple[tuple[float, str], ...]
    ticks: tuple[tuple[float, str], ...]
    pad: int


def share_line(series: list[tuple[str, float | None]], percent: Callable[[float], str]) -> LineChart:
    """Shares (0..1) over time, left to right, written by `percent`; a period without a value leaves a gap in the
    line."""
    step = (CHART_WIDTH - 2 * LINE_PAD) / max(len(series) - 1, 1)
    plot = LINE_HEIGHT - 2 * LINE_PAD
    points, path, pen_down, ticks = [], [], False, []
    for index, (label, share) in enumerate(series):
        ticks.append((round(LINE_PAD + index * step, 1), label))
        if share is None:
            pen_down = False
            continue
        x, y = round(LINE_PAD + index * step, 1), round(LINE_PAD + (1 - share) * plot, 1)
        points.append(LinePoint(x, y, label, percent(share)))
        path.append(f"{'L' if pen_down else 'M'}{x},{y}")
        pen_down = True
    grid = tuple((round(LINE_PAD + (1 - s) * plot, 1), percent(s)) for s in (0.0, 0.5, 1.0))
    return LineChart(CHART_WIDTH, LINE_HEIGHT, tuple(points), " ".join(path), grid, tuple(ticks), LINE_PAD)
