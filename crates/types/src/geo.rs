//! Spatial values of TablesDB's point, line and polygon columns: parsing, Appwrite's input
//! validation, the OGC predicates the spatial query methods use, and distances.
//!
//! Geometries travel as JSON coordinate arrays, x = longitude and y = latitude:
//! point `[x, y]`, line `[[x, y], ...]`, polygon `[[[x, y], ...], ...holes]`. WKT text
//! (`POINT(1 2)`, `LINESTRING(...)`, `POLYGON((...), ...)`) is accepted too, as Appwrite does.
//!
//! Predicates follow the OGC / DE-9IM definitions that MariaDB, MySQL and PostGIS implement,
//! computed in the plane (like MariaDB, which Appwrite runs on, ignores the SRID for them).
//! Coordinates closer than a tolerance relative to their magnitude (1e-10 of the largest
//! coordinate) count as equal, so computed intersection points and collinear overlaps classify
//! reliably. Cost is O(n·m) in the two vertex counts.

use serde_json::Value;

/// Earth radius used for distances in meters: `Database::EARTH_RADIUS` in utopia-php/database,
/// which MariaDB's `ST_Distance_Sphere` is called with.
pub const EARTH_RADIUS_M: f64 = 6_371_000.0;

/// Relative tolerance for coincidence tests.
const REL_TOL: f64 = 1e-10;

/// One position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coord {
    pub x: f64,
    pub y: f64,
}

impl Coord {
    pub const fn new(x: f64, y: f64) -> Self {
        Self { x, y }
    }
}

/// A parsed geometry. Lines have at least two positions; polygons at least one ring, every
/// ring closed (last position equal to the first) with at least four positions; the first ring
/// is the exterior, the others are holes.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    Point(Coord),
    Line(Vec<Coord>),
    Polygon(Vec<Vec<Coord>>),
}

/// The three spatial column types.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Point,
    Line,
    Polygon,
}

impl Kind {
    /// The type name Appwrite uses (`Database::VAR_POINT`, `VAR_LINESTRING`, `VAR_POLYGON`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Kind::Point => "point",
            Kind::Line => "linestring",
            Kind::Polygon => "polygon",
        }
    }

    const fn dim(self) -> u8 {
        match self {
            Kind::Point => 0,
            Kind::Line => 1,
            Kind::Polygon => 2,
        }
    }
}

impl Geometry {
    pub fn kind(&self) -> Kind {
        match self {
            Geometry::Point(_) => Kind::Point,
            Geometry::Line(_) => Kind::Line,
            Geometry::Polygon(_) => Kind::Polygon,
        }
    }

    /// The JSON coordinate array form (numbers as floats, rings closed).
    pub fn to_json(&self) -> Value {
        fn pos(c: &Coord) -> Value {
            Value::Array(vec![Value::from(c.x), Value::from(c.y)])
        }
        fn list(cs: &[Coord]) -> Value {
            Value::Array(cs.iter().map(pos).collect())
        }
        match self {
            Geometry::Point(c) => pos(c),
            Geometry::Line(cs) => list(cs),
            Geometry::Polygon(rings) => Value::Array(rings.iter().map(|r| list(r)).collect()),
        }
    }

    fn vertices(&self) -> &[Coord] {
        match self {
            Geometry::Point(c) => std::slice::from_ref(c),
            Geometry::Line(cs) => cs,
            // Only the exterior ring; callers needing holes use `all_vertices`.
            Geometry::Polygon(rings) => rings.first().map_or(&[], |r| r.as_slice()),
        }
    }

    fn all_vertices(&self) -> impl Iterator<Item = Coord> + '_ {
        let rings: &[Vec<Coord>] = match self {
            Geometry::Polygon(rings) => rings,
            _ => &[],
        };
        let own: &[Coord] = match self {
            Geometry::Polygon(_) => &[],
            _ => self.vertices(),
        };
        own.iter().copied().chain(rings.iter().flatten().copied())
    }
}

// ---------------------------------------------------------------------------------------------
// Parsing

/// A number as PHP's `is_numeric` accepts it (JSON numbers and numeric strings), finite.
fn number(v: &Value) -> Option<f64> {
    let f = match v {
        Value::Number(n) => n.as_f64()?,
        Value::String(s) => numeric_string(s)?,
        _ => return None,
    };
    f.is_finite().then_some(f)
}

fn numeric_string(s: &str) -> Option<f64> {
    let t = s.trim_matches([' ', '\t', '\n', '\r', '\x0b', '\x0c']);
    let allowed = |b: u8| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E');
    if t.is_empty() || !t.bytes().all(allowed) {
        return None;
    }
    t.parse().ok()
}

fn coord(v: &Value) -> Option<Coord> {
    match v.as_array()?.as_slice() {
        [x, y] => Some(Coord::new(number(x)?, number(y)?)),
        _ => None,
    }
}

fn coords(v: &Value) -> Option<Vec<Coord>> {
    v.as_array()?.iter().map(coord).collect()
}

fn line_from(cs: Vec<Coord>) -> Option<Geometry> {
    (cs.len() >= 2).then_some(Geometry::Line(cs))
}

fn ring_from(mut cs: Vec<Coord>) -> Option<Vec<Coord>> {
    let first = *cs.first()?;
    if cs.last() != Some(&first) {
        cs.push(first);
    }
    (cs.len() >= 4).then_some(cs)
}

fn polygon_from(rings: Vec<Vec<Coord>>) -> Option<Geometry> {
    if rings.is_empty() {
        return None;
    }
    let rings = rings
        .into_iter()
        .map(ring_from)
        .collect::<Option<Vec<_>>>()?;
    Some(Geometry::Polygon(rings))
}

fn is_position(v: &Value) -> bool {
    coord(v).is_some()
}

/// Parses a geometry, its type told by the nesting depth (`[x, y]` point, `[[x, y], ...]`
/// line, `[[[x, y], ...], ...]` polygon), or WKT text. Rings may be closed or open.
pub fn parse(v: &Value) -> Option<Geometry> {
    if let Value::String(s) = v {
        return parse_wkt(s);
    }
    let first = v.as_array()?.first()?;
    if !first.is_array() {
        return coord(v).map(Geometry::Point);
    }
    match first.as_array()?.first()? {
        Value::Array(_) => {
            let rings = v
                .as_array()?
                .iter()
                .map(coords)
                .collect::<Option<Vec<_>>>()?;
            polygon_from(rings)
        }
        _ => line_from(coords(v)?),
    }
}

/// Parses a value stored in or written to a column of `kind`. A polygon may be given as a
/// single ring `[[x, y], ...]`, as Appwrite accepts.
pub fn parse_as(kind: Kind, v: &Value) -> Option<Geometry> {
    let g = match (kind, v) {
        (_, Value::String(s)) => parse_wkt(s)?,
        (Kind::Point, _) => Geometry::Point(coord(v)?),
        (Kind::Line, _) => line_from(coords(v)?)?,
        (Kind::Polygon, _) => {
            let arr = v.as_array()?;
            if arr.first().is_some_and(is_position) {
                polygon_from(vec![coords(v)?])?
            } else {
                polygon_from(arr.iter().map(coords).collect::<Option<Vec<_>>>()?)?
            }
        }
    };
    (g.kind() == kind).then_some(g)
}

/// Parses JSON text (see [`parse`]) or WKT text.
pub fn parse_str(s: &str) -> Option<Geometry> {
    let t = s.trim_start();
    if t.starts_with('[') {
        parse(&serde_json::from_str(t).ok()?)
    } else {
        parse_wkt(t)
    }
}

/// Parses WKT `POINT(x y)`, `LINESTRING(x y, ...)` or `POLYGON((x y, ...), ...)`,
/// case-insensitive. Anything else (EMPTY, Z/M coordinates, multi-geometries) is `None`.
pub fn parse_wkt(s: &str) -> Option<Geometry> {
    let mut p = Wkt {
        s: s.as_bytes(),
        i: 0,
    };
    let tag = p.word();
    let g = if tag.eq_ignore_ascii_case(b"POINT") {
        p.expect(b'(')?;
        let c = p.coord()?;
        p.expect(b')')?;
        Geometry::Point(c)
    } else if tag.eq_ignore_ascii_case(b"LINESTRING") {
        line_from(p.list()?)?
    } else if tag.eq_ignore_ascii_case(b"POLYGON") {
        p.expect(b'(')?;
        let mut rings = vec![p.list()?];
        while p.eat(b',') {
            rings.push(p.list()?);
        }
        p.expect(b')')?;
        polygon_from(rings)?
    } else {
        return None;
    };
    p.skip_ws();
    (p.i == p.s.len()).then_some(g)
}

struct Wkt<'a> {
    s: &'a [u8],
    i: usize,
}

impl Wkt<'_> {
    fn skip_ws(&mut self) {
        while self.s.get(self.i).is_some_and(|b| b.is_ascii_whitespace()) {
            self.i += 1;
        }
    }

    fn word(&mut self) -> &[u8] {
        self.skip_ws();
        let start = self.i;
        while self.s.get(self.i).is_some_and(|b| b.is_ascii_alphabetic()) {
            self.i += 1;
        }
        &self.s[start..self.i]
    }

    fn eat(&mut self, b: u8) -> bool {
        self.skip_ws();
        let hit = self.s.get(self.i) == Some(&b);
        if hit {
            self.i += 1;
        }
        hit
    }

    fn expect(&mut self, b: u8) -> Option<()> {
        self.eat(b).then_some(())
    }

    fn number(&mut self) -> Option<f64> {
        self.skip_ws();
        let start = self.i;
        while self
            .s
            .get(self.i)
            .is_some_and(|&b| b.is_ascii_digit() || matches!(b, b'+' | b'-' | b'.' | b'e' | b'E'))
        {
            self.i += 1;
        }
        let text = std::str::from_utf8(&self.s[start..self.i]).ok()?;
        let f: f64 = text.parse().ok()?;
        f.is_finite().then_some(f)
    }

    fn coord(&mut self) -> Option<Coord> {
        Some(Coord::new(self.number()?, self.number()?))
    }

    /// `(x y, x y, ...)`
    fn list(&mut self) -> Option<Vec<Coord>> {
        self.expect(b'(')?;
        let mut cs = vec![self.coord()?];
        while self.eat(b',') {
            cs.push(self.coord()?);
        }
        self.expect(b')')?;
        Some(cs)
    }
}

// ---------------------------------------------------------------------------------------------
// Validation (utopia-php/database `Validator\Spatial`, wording kept)

const NOT_SPATIAL: &str = "Spatial value must be array or WKT string";

/// Validates a value written to a spatial column of `kind` as Appwrite does. `Ok` for null
/// (whether the column may be null is the caller's business). The error is the validator's
/// description, e.g. `Value must be a valid point: Point coordinates must be numeric values`;
/// Appwrite reports it as `Invalid document structure: Attribute "<key>" has invalid type.
/// <description>` (utopia's `Structure` validator).
///
/// Unlike Appwrite, which lets any string starting with `POINT(`/`LINESTRING(`/`POLYGON(`
/// through to the database, WKT text must parse and be of the column's kind.
pub fn validate(kind: Kind, v: &Value) -> Result<(), String> {
    let inner = match v {
        Value::Null => return Ok(()),
        Value::String(s) => match parse_wkt(s) {
            Some(g) if g.kind() == kind => Ok(()),
            _ => Err(NOT_SPATIAL.to_owned()),
        },
        Value::Array(items) => match kind {
            Kind::Point => check_point(items),
            Kind::Line => check_line(items),
            Kind::Polygon => check_polygon(items),
        },
        _ => Err(NOT_SPATIAL.to_owned()),
    };
    inner.map_err(|m| format!("Value must be a valid {}: {m}", kind.as_str()))
}

pub fn validate_point(v: &Value) -> Result<(), String> {
    validate(Kind::Point, v)
}

pub fn validate_line(v: &Value) -> Result<(), String> {
    validate(Kind::Line, v)
}

pub fn validate_polygon(v: &Value) -> Result<(), String> {
    validate(Kind::Polygon, v)
}

fn check_point(items: &[Value]) -> Result<(), String> {
    let [x, y] = items else {
        return Err("Point must be an array of two numeric values [x, y]".to_owned());
    };
    let (Some(x), Some(y)) = (number(x), number(y)) else {
        return Err("Point coordinates must be numeric values".to_owned());
    };
    check_range(x, y)
}

fn check_line(items: &[Value]) -> Result<(), String> {
    if items.len() < 2 {
        return Err("LineString must contain at least two points".to_owned());
    }
    for (i, point) in items.iter().enumerate() {
        let Some([x, y]) = point.as_array().map(Vec::as_slice) else {
            return Err(
                "Each point in LineString must be an array of two values [x, y]".to_owned(),
            );
        };
        let (Some(x), Some(y)) = (number(x), number(y)) else {
            return Err("Each point in LineString must have numeric coordinates".to_owned());
        };
        check_range(x, y).map_err(|m| format!("Invalid coordinates at point #{i}: {m}"))?;
    }
    Ok(())
}

fn check_polygon(items: &[Value]) -> Result<(), String> {
    if items.is_empty() {
        return Err("Polygon must contain at least one ring".to_owned());
    }
    // A single ring may be given without the outer array.
    let single_ring = items.first().is_some_and(|first| {
        matches!(first.as_array().map(Vec::as_slice), Some([x, y]) if number(x).is_some() && number(y).is_some())
    });
    let one;
    let rings: &[Value] = if single_ring {
        one = [Value::Array(items.to_vec())];
        &one
    } else {
        items
    };
    for (r, ring) in rings.iter().enumerate() {
        let ring = match ring.as_array() {
            Some(points) if !points.is_empty() => points,
            _ => return Err(format!("Ring #{r} must be an array of points")),
        };
        if ring.len() < 4 {
            return Err(format!(
                "Ring #{r} must contain at least 4 points to form a closed polygon"
            ));
        }
        for (p, point) in ring.iter().enumerate() {
            let Some([x, y]) = point.as_array().map(Vec::as_slice) else {
                return Err(format!(
                    "Point #{p} in ring #{r} must be an array of two values [x, y]"
                ));
            };
            let (Some(x), Some(y)) = (number(x), number(y)) else {
                return Err(format!(
                    "Coordinates of point #{p} in ring #{r} must be numeric"
                ));
            };
            check_range(x, y)
                .map_err(|m| format!("Invalid coordinates at point #{p} in ring #{r}: {m}"))?;
        }
        // PHP compares with `!==`: 1 and 1.0 differ, as they do for serde_json values.
        if ring.first() != ring.last() {
            return Err(format!(
                "Ring #{r} must be closed (first point must equal last point)"
            ));
        }
    }
    Ok(())
}

fn check_range(x: f64, y: f64) -> Result<(), String> {
    if !(-180.0..=180.0).contains(&x) {
        return Err(format!(
            "Longitude (x) must be between -180 and 180, got {}",
            php_float(x)
        ));
    }
    if !(-90.0..=90.0).contains(&y) {
        return Err(format!(
            "Latitude (y) must be between -90 and 90, got {}",
            php_float(y)
        ));
    }
    Ok(())
}

/// A float as PHP's string conversion writes it (`precision` = 14 significant digits,
/// exponent form `1.0E+25` outside 1e-5..1e15).
fn php_float(x: f64) -> String {
    if x == 0.0 {
        return if x.is_sign_negative() { "-0" } else { "0" }.to_owned();
    }
    let sci = format!("{x:.13e}");
    let Some((mantissa, exp)) = sci.split_once('e') else {
        return x.to_string();
    };
    let Ok(exp) = exp.parse::<i32>() else {
        return x.to_string();
    };
    if !(-4..14).contains(&exp) {
        let m = mantissa.trim_end_matches('0');
        let m = if m.ends_with('.') {
            format!("{m}0")
        } else {
            m.to_owned()
        };
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{m}E{sign}{}", exp.unsigned_abs());
    }
    let decimals = usize::try_from(13 - exp).unwrap_or(0);
    let fixed = format!("{x:.decimals$}");
    if fixed.contains('.') {
        fixed.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        fixed
    }
}

// ---------------------------------------------------------------------------------------------
// Planar primitives

fn sub(a: Coord, b: Coord) -> Coord {
    Coord::new(a.x - b.x, a.y - b.y)
}

fn cross(a: Coord, b: Coord) -> f64 {
    a.x * b.y - a.y * b.x
}

fn dot(a: Coord, b: Coord) -> f64 {
    a.x * b.x + a.y * b.y
}

/// Twice the signed area of (a, b, c): positive when c is left of a→b.
fn orient(a: Coord, b: Coord, c: Coord) -> f64 {
    cross(sub(b, a), sub(c, a))
}

fn dist(a: Coord, b: Coord) -> f64 {
    let (dx, dy) = (a.x - b.x, a.y - b.y);
    (dx * dx + dy * dy).sqrt()
}

fn lerp(a: Coord, b: Coord, t: f64) -> Coord {
    Coord::new(a.x + (b.x - a.x) * t, a.y + (b.y - a.y) * t)
}

/// The parameter of the point of segment a→b closest to p, in 0..=1.
fn seg_param(p: Coord, a: Coord, b: Coord) -> f64 {
    let d = sub(b, a);
    let l2 = dot(d, d);
    if l2 == 0.0 {
        0.0
    } else {
        (dot(sub(p, a), d) / l2).clamp(0.0, 1.0)
    }
}

fn point_seg_dist(p: Coord, a: Coord, b: Coord) -> f64 {
    dist(p, lerp(a, b, seg_param(p, a, b)))
}

fn on_seg(p: Coord, a: Coord, b: Coord, tol: f64) -> bool {
    p.x >= a.x.min(b.x) - tol
        && p.x <= a.x.max(b.x) + tol
        && p.y >= a.y.min(b.y) - tol
        && p.y <= a.y.max(b.y) + tol
        && point_seg_dist(p, a, b) <= tol
}

fn opposite(a: f64, b: f64) -> bool {
    (a > 0.0 && b < 0.0) || (a < 0.0 && b > 0.0)
}

/// Whether segments p→q and r→s share a point (within `tol`).
fn segs_meet(p: Coord, q: Coord, r: Coord, s: Coord, tol: f64) -> bool {
    if p.x.max(q.x) + tol < r.x.min(s.x)
        || r.x.max(s.x) + tol < p.x.min(q.x)
        || p.y.max(q.y) + tol < r.y.min(s.y)
        || r.y.max(s.y) + tol < p.y.min(q.y)
    {
        return false;
    }
    (opposite(orient(p, q, r), orient(p, q, s)) && opposite(orient(r, s, p), orient(r, s, q)))
        || on_seg(r, p, q, tol)
        || on_seg(s, p, q, tol)
        || on_seg(p, r, s, tol)
        || on_seg(q, r, s, tol)
}

/// Even-odd test against a closed ring (points on the ring are not handled here).
fn in_ring(p: Coord, ring: &[Coord]) -> bool {
    let mut inside = false;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        if (a.y > p.y) != (b.y > p.y) {
            let x = a.x + (p.y - a.y) * (b.x - a.x) / (b.y - a.y);
            if p.x < x {
                inside = !inside;
            }
        }
    }
    inside
}

fn signed_area(ring: &[Coord]) -> f64 {
    ring.windows(2).map(|w| cross(w[0], w[1])).sum::<f64>() / 2.0
}

// ---------------------------------------------------------------------------------------------
// Prepared shapes and point location

/// Where a point lies relative to a geometry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Loc {
    Interior = 0,
    Boundary = 1,
    Exterior = 2,
}

struct Shape<'a> {
    g: &'a Geometry,
    /// Line work without zero-length segments; polygon rings run with the interior on their
    /// left (exterior counter-clockwise, holes clockwise).
    segs: Vec<(Coord, Coord)>,
    /// min x, min y, max x, max y
    bbox: [f64; 4],
}

impl<'a> Shape<'a> {
    fn new(g: &'a Geometry) -> Self {
        let mut segs = Vec::new();
        let mut push_run = |cs: &[Coord], reverse: bool| {
            for w in cs.windows(2) {
                let (a, b) = if reverse { (w[1], w[0]) } else { (w[0], w[1]) };
                if a != b {
                    segs.push((a, b));
                }
            }
        };
        match g {
            Geometry::Point(_) => {}
            Geometry::Line(cs) => push_run(cs, false),
            Geometry::Polygon(rings) => {
                for (i, ring) in rings.iter().enumerate() {
                    let ccw = signed_area(ring) > 0.0;
                    push_run(ring, (i == 0) != ccw);
                }
            }
        }
        let mut bbox = [
            f64::INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NEG_INFINITY,
        ];
        for c in g.all_vertices() {
            bbox = [
                bbox[0].min(c.x),
                bbox[1].min(c.y),
                bbox[2].max(c.x),
                bbox[3].max(c.y),
            ];
        }
        Self { g, segs, bbox }
    }

    fn kind(&self) -> Kind {
        self.g.kind()
    }

    fn magnitude(&self) -> f64 {
        self.bbox.iter().fold(1.0_f64, |m, v| m.max(v.abs()))
    }

    /// For a line: its end points, unless it is closed (then it has no boundary).
    fn line_ends(&self) -> Option<(Coord, Coord)> {
        match self.g {
            Geometry::Line(cs) => match (cs.first(), cs.last()) {
                (Some(&a), Some(&b)) if a != b => Some((a, b)),
                _ => None,
            },
            _ => None,
        }
    }

    fn locate(&self, p: Coord, tol: f64) -> Loc {
        match self.g {
            Geometry::Point(q) => {
                if dist(p, *q) <= tol {
                    Loc::Interior
                } else {
                    Loc::Exterior
                }
            }
            Geometry::Line(_) => {
                if let Some((a, b)) = self.line_ends()
                    && (dist(p, a) <= tol || dist(p, b) <= tol)
                {
                    Loc::Boundary
                } else if self.segs.iter().any(|&(a, b)| on_seg(p, a, b, tol)) {
                    Loc::Interior
                } else {
                    Loc::Exterior
                }
            }
            Geometry::Polygon(rings) => {
                if self.segs.iter().any(|&(a, b)| on_seg(p, a, b, tol)) {
                    Loc::Boundary
                } else if rings.first().is_some_and(|r| in_ring(p, r))
                    && !rings.iter().skip(1).any(|r| in_ring(p, r))
                {
                    Loc::Interior
                } else {
                    Loc::Exterior
                }
            }
        }
    }

    /// The direction of the boundary segment `p` lies on (polygons only).
    fn boundary_dir(&self, p: Coord, tol: f64) -> Option<Coord> {
        self.segs
            .iter()
            .find(|&&(a, b)| on_seg(p, a, b, tol))
            .map(|&(a, b)| sub(b, a))
    }

    /// Parameters along p→q where the other shape's line work begins, ends or crosses it,
    /// 0 and 1 included, sorted and merged when closer than a few tolerances.
    fn split_params(p: Coord, q: Coord, other: &Shape<'_>, tol: f64) -> Vec<f64> {
        let mut ts = Vec::new();
        match other.g {
            Geometry::Point(c) => {
                if on_seg(*c, p, q, tol) {
                    ts.push(seg_param(*c, p, q));
                }
            }
            _ => {
                for &(r, s) in &other.segs {
                    if !segs_meet(p, q, r, s, tol) {
                        continue;
                    }
                    for c in [r, s] {
                        if on_seg(c, p, q, tol) {
                            ts.push(seg_param(c, p, q));
                        }
                    }
                    let (o3, o4) = (orient(r, s, p), orient(r, s, q));
                    if opposite(orient(p, q, r), orient(p, q, s)) && opposite(o3, o4) {
                        ts.push(o3 / (o3 - o4));
                    }
                }
            }
        }
        ts.sort_by(f64::total_cmp);
        let len = dist(p, q);
        let gap = if len > 0.0 { 4.0 * tol / len } else { 1.0 };
        let mut out = vec![0.0];
        for t in ts {
            let last = out.last().copied().unwrap_or(0.0);
            if t - last > gap && 1.0 - t > gap {
                out.push(t);
            }
        }
        out.push(1.0);
        out
    }
}

/// The parts of the DE-9IM matrix the predicates need: `m[a][b]` is the dimension of the
/// intersection of part `a` of the first geometry with part `b` of the second (interior,
/// boundary, exterior), -1 when empty.
struct Matrix([[i8; 3]; 3]);

impl Matrix {
    fn set(&mut self, a: Loc, b: Loc, dim: i8) {
        let cell = &mut self.0[a as usize][b as usize];
        *cell = (*cell).max(dim);
    }

    fn get(&self, a: Loc, b: Loc) -> i8 {
        self.0[a as usize][b as usize]
    }

    fn has(&self, a: Loc, b: Loc) -> bool {
        self.get(a, b) >= 0
    }

    fn intersects(&self) -> bool {
        use Loc::{Boundary as B, Interior as I};
        self.has(I, I) || self.has(I, B) || self.has(B, I) || self.has(B, B)
    }
}

/// Records, for every piece of `x` (nodes and sub-segments after splitting by `y`, plus the
/// areas either side of polygon edges), where it lies in `x` and in `y`.
fn walk(x: &Shape<'_>, y: &Shape<'_>, tol: f64, emit: &mut dyn FnMut(Loc, Loc, i8)) {
    use Loc::{Boundary as B, Exterior as E, Interior as I};
    if let Geometry::Point(p) = x.g {
        emit(I, y.locate(*p, tol), 0);
        return;
    }
    let area = x.kind() == Kind::Polygon;
    if area && y.kind() != Kind::Polygon {
        // A polygon's interior is never covered by a point or a line.
        emit(I, E, 2);
    }
    let ends = x.line_ends();
    let node_loc = |n: Coord| {
        if area || ends.is_some_and(|(a, b)| dist(n, a) <= tol || dist(n, b) <= tol) {
            B
        } else {
            I
        }
    };
    for &(p, q) in &x.segs {
        let ts = Shape::split_params(p, q, y, tol);
        for &t in &ts {
            let n = lerp(p, q, t);
            emit(node_loc(n), y.locate(n, tol), 0);
        }
        for w in ts.windows(2) {
            let mid = lerp(p, q, (w[0] + w[1]) / 2.0);
            let ly = y.locate(mid, tol);
            emit(if area { B } else { I }, ly, 1);
            if !area || y.kind() != Kind::Polygon {
                // Either side of a polygon edge is area, never part of a point or a line
                // (already recorded above as interior/exterior).
                continue;
            }
            // Just left of the edge is x's interior, just right its exterior.
            match ly {
                I => {
                    emit(I, I, 2);
                    emit(E, I, 2);
                }
                E => {
                    emit(I, E, 2);
                    emit(E, E, 2);
                }
                B => match y.boundary_dir(mid, tol) {
                    Some(d) if dot(d, sub(q, p)) > 0.0 => {
                        emit(I, I, 2);
                        emit(E, E, 2);
                    }
                    _ => {
                        emit(I, E, 2);
                        emit(E, I, 2);
                    }
                },
            }
        }
    }
}

fn relate(a: &Shape<'_>, b: &Shape<'_>, tol: f64) -> Matrix {
    let mut m = Matrix([[-1; 3]; 3]);
    m.set(Loc::Exterior, Loc::Exterior, 2);
    walk(a, b, tol, &mut |la, lb, d| m.set(la, lb, d));
    walk(b, a, tol, &mut |lb, la, d| m.set(la, lb, d));
    m
}

fn bboxes_meet(a: &Shape<'_>, b: &Shape<'_>, tol: f64) -> bool {
    a.bbox[0] <= b.bbox[2] + tol
        && b.bbox[0] <= a.bbox[2] + tol
        && a.bbox[1] <= b.bbox[3] + tol
        && b.bbox[1] <= a.bbox[3] + tol
}

fn tolerance(a: &Shape<'_>, b: &Shape<'_>) -> f64 {
    REL_TOL * a.magnitude().max(b.magnitude())
}

/// The matrix, or `None` when the bounding boxes are apart (then every predicate but the
/// negations is false).
fn matrix(a: &Geometry, b: &Geometry) -> Option<(Matrix, u8, u8)> {
    let (sa, sb) = (Shape::new(a), Shape::new(b));
    let tol = tolerance(&sa, &sb);
    if !bboxes_meet(&sa, &sb, tol) {
        return None;
    }
    Some((relate(&sa, &sb, tol), a.kind().dim(), b.kind().dim()))
}

// ---------------------------------------------------------------------------------------------
// Predicates

/// `ST_Intersects`: the geometries share at least one point.
pub fn intersects(a: &Geometry, b: &Geometry) -> bool {
    let (sa, sb) = (Shape::new(a), Shape::new(b));
    let tol = tolerance(&sa, &sb);
    shapes_intersect(&sa, &sb, tol)
}

fn shapes_intersect(a: &Shape<'_>, b: &Shape<'_>, tol: f64) -> bool {
    if !bboxes_meet(a, b, tol) {
        return false;
    }
    if let Geometry::Point(p) = a.g {
        return b.locate(*p, tol) != Loc::Exterior;
    }
    if let Geometry::Point(p) = b.g {
        return a.locate(*p, tol) != Loc::Exterior;
    }
    let edges_meet = a
        .segs
        .iter()
        .any(|&(p, q)| b.segs.iter().any(|&(r, s)| segs_meet(p, q, r, s, tol)));
    // Without meeting edges, one is inside the other polygon or they are apart.
    let inside = |x: &Shape<'_>, y: &Shape<'_>| {
        y.kind() == Kind::Polygon
            && x.g
                .vertices()
                .first()
                .is_some_and(|&v| y.locate(v, tol) != Loc::Exterior)
    };
    edges_meet || inside(a, b) || inside(b, a)
}

/// `ST_Touches`: they meet, but only on boundaries (interiors do not intersect).
pub fn touches(a: &Geometry, b: &Geometry) -> bool {
    use Loc::{Boundary as B, Interior as I};
    matrix(a, b)
        .is_some_and(|(m, _, _)| !m.has(I, I) && (m.has(I, B) || m.has(B, I) || m.has(B, B)))
}

/// `ST_Crosses`: point/line, point/polygon, line/polygon (either order): the interiors meet and
/// the lower-dimensional one also runs outside the other; line/line: the interiors meet in
/// points only. Never true for point/point or polygon/polygon.
pub fn crosses(a: &Geometry, b: &Geometry) -> bool {
    use Loc::{Exterior as E, Interior as I};
    matrix(a, b).is_some_and(|(m, da, db)| match da.cmp(&db) {
        std::cmp::Ordering::Less => m.has(I, I) && m.has(I, E),
        std::cmp::Ordering::Greater => m.has(I, I) && m.has(E, I),
        std::cmp::Ordering::Equal => da == 1 && m.get(I, I) == 0,
    })
}

/// `ST_Overlaps`: same dimension, the interiors meet (in that dimension) and each has points
/// outside the other.
pub fn overlaps(a: &Geometry, b: &Geometry) -> bool {
    use Loc::{Exterior as E, Interior as I};
    matrix(a, b).is_some_and(|(m, da, db)| {
        da == db
            && m.has(I, E)
            && m.has(E, I)
            && if da == 1 {
                m.get(I, I) == 1
            } else {
                m.has(I, I)
            }
    })
}

/// `ST_Equals`: the same point set, whatever the vertices, their order or ring start.
pub fn equals(a: &Geometry, b: &Geometry) -> bool {
    use Loc::{Boundary as B, Exterior as E, Interior as I};
    matrix(a, b).is_some_and(|(m, _, _)| {
        m.has(I, I) && !m.has(I, E) && !m.has(B, E) && !m.has(E, I) && !m.has(E, B)
    })
}

/// OGC `ST_Contains` (MySQL): no point of `b` outside `a`, and the interiors meet, so a point
/// on a polygon's edge or a line's end point is not contained.
pub fn contains(a: &Geometry, b: &Geometry) -> bool {
    use Loc::{Boundary as B, Exterior as E, Interior as I};
    matrix(a, b).is_some_and(|(m, _, _)| m.has(I, I) && !m.has(E, I) && !m.has(E, B))
}

/// `ST_Covers` (PostgreSQL's `contains`, and what MariaDB's `ST_Contains` answers in
/// Appwrite's tests): no point of `b` outside `a`; boundaries count.
pub fn covers(a: &Geometry, b: &Geometry) -> bool {
    use Loc::{Boundary as B, Exterior as E, Interior as I};
    matrix(a, b).is_some_and(|(m, _, _)| m.intersects() && !m.has(E, I) && !m.has(E, B))
}

// ---------------------------------------------------------------------------------------------
// Distance

/// The minimum distance between the geometries; 0 when they intersect.
///
/// `meters == false`: planar Euclidean distance in coordinate units (`ST_Distance`).
/// `meters == true`: great-circle distance in meters on a sphere of [`EARTH_RADIUS_M`]; exact
/// (haversine, as MariaDB's `ST_Distance_Sphere`) between two points. For other shapes it is an
/// approximation: the minimum over each geometry's vertices to the other's edges taken as
/// great-circle arcs, and 0 when they intersect in the plane of longitude/latitude.
pub fn distance(a: &Geometry, b: &Geometry, meters: bool) -> f64 {
    if let (Geometry::Point(p), Geometry::Point(q)) = (a, b) {
        return if meters {
            EARTH_RADIUS_M * central_angle(*p, *q)
        } else {
            dist(*p, *q)
        };
    }
    let (sa, sb) = (Shape::new(a), Shape::new(b));
    let tol = tolerance(&sa, &sb);
    if shapes_intersect(&sa, &sb, tol) {
        return 0.0;
    }
    let to_shape = |v: Coord, s: &Shape<'_>| -> f64 {
        let seg = |a: Coord, b: Coord| {
            if meters {
                arc_angle(v, a, b)
            } else {
                point_seg_dist(v, a, b)
            }
        };
        let pt = |q: Coord| {
            if meters {
                central_angle(v, q)
            } else {
                dist(v, q)
            }
        };
        match s.g {
            Geometry::Point(q) => pt(*q),
            g => s
                .segs
                .iter()
                .map(|&(a, b)| seg(a, b))
                .reduce(f64::min)
                // Degenerate line work (all positions equal).
                .unwrap_or_else(|| g.vertices().first().map_or(f64::INFINITY, |&q| pt(q))),
        }
    };
    let best = a
        .all_vertices()
        .map(|v| to_shape(v, &sb))
        .chain(b.all_vertices().map(|v| to_shape(v, &sa)))
        .fold(f64::INFINITY, f64::min);
    if meters { EARTH_RADIUS_M * best } else { best }
}

type Vec3 = [f64; 3];

fn unit(c: Coord) -> Vec3 {
    let (lon, lat) = (c.x.to_radians(), c.y.to_radians());
    [lat.cos() * lon.cos(), lat.cos() * lon.sin(), lat.sin()]
}

fn dot3(a: Vec3, b: Vec3) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

fn cross3(a: Vec3, b: Vec3) -> Vec3 {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

/// The central angle between two positions (haversine), in radians.
fn central_angle(p: Coord, q: Coord) -> f64 {
    let (lat1, lat2) = (p.y.to_radians(), q.y.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (q.x - p.x).to_radians();
    let h = (dlat / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dlon / 2.0).sin().powi(2);
    2.0 * h.sqrt().min(1.0).asin()
}

/// The central angle from `p` to the shorter great-circle arc a→b, in radians.
fn arc_angle(p: Coord, a: Coord, b: Coord) -> f64 {
    let ends = central_angle(p, a).min(central_angle(p, b));
    let (pv, av, bv) = (unit(p), unit(a), unit(b));
    let n = cross3(av, bv);
    let len = dot3(n, n).sqrt();
    if len < 1e-15 {
        return ends;
    }
    let n = [n[0] / len, n[1] / len, n[2] / len];
    let s = dot3(pv, n);
    // The foot of the perpendicular from p lies on the arc when it is between a and b.
    let foot = [pv[0] - s * n[0], pv[1] - s * n[1], pv[2] - s * n[2]];
    if dot3(cross3(av, foot), n) >= 0.0 && dot3(cross3(foot, bv), n) >= 0.0 {
        s.abs().min(1.0).asin().min(ends)
    } else {
        ends
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn g(v: Value) -> Geometry {
        match parse(&v) {
            Some(g) => g,
            None => panic!("not a geometry: {v}"),
        }
    }

    fn pt(x: f64, y: f64) -> Geometry {
        Geometry::Point(Coord::new(x, y))
    }

    /// Square with corners (x0, y0) and (x1, y1).
    fn rect(x0: f64, y0: f64, x1: f64, y1: f64) -> Geometry {
        g(json!([[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]))
    }

    fn with_hole() -> Geometry {
        g(json!([
            [[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]],
            [[3, 3], [3, 7], [7, 7], [7, 3], [3, 3]]
        ]))
    }

    // ---- parsing --------------------------------------------------------------------------

    #[test]
    fn parses_by_depth_and_closes_rings() {
        assert_eq!(g(json!([1, 2])), pt(1.0, 2.0));
        assert_eq!(g(json!([[0, 0], [1, 1]])).kind(), Kind::Line);
        let Geometry::Polygon(rings) = g(json!([[[0, 0], [1, 0], [1, 1]]])) else {
            panic!("not a polygon");
        };
        assert_eq!(rings[0].len(), 4);
        assert_eq!(rings[0][3], Coord::new(0.0, 0.0));
        assert_eq!(
            g(json!([[[0, 0], [1, 0], [1, 1], [0, 0]]])),
            g(json!([[[0, 0], [1, 0], [1, 1]]]))
        );
        assert_eq!(g(json!(["1.5", " 2 "])), pt(1.5, 2.0));
    }

    #[test]
    fn rejects_malformed() {
        for v in [
            json!(null),
            json!(5),
            json!([]),
            json!([1]),
            json!([1, 2, 3]),
            json!([1, "x"]),
            json!(["inf", 0]),
            json!([[0, 0]]),
            json!([[0, 0], [1]]),
            json!([[[0, 0], [1, 1]]]),
            json!([[[0, 0], [1, 0], [1, 1]], []]),
            json!({"x": 1, "y": 2}),
        ] {
            assert_eq!(parse(&v), None, "{v}");
        }
    }

    #[test]
    fn parse_as_accepts_single_ring_polygons() {
        let ring = json!([[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]]);
        assert_eq!(
            parse_as(Kind::Polygon, &ring),
            Some(rect(0.0, 0.0, 4.0, 4.0))
        );
        assert_eq!(
            parse_as(Kind::Line, &ring).map(|g| g.kind()),
            Some(Kind::Line)
        );
        assert_eq!(parse_as(Kind::Point, &ring), None);
        assert_eq!(
            parse_as(Kind::Point, &json!("POINT(1 2)")),
            Some(pt(1.0, 2.0))
        );
        assert_eq!(parse_as(Kind::Line, &json!("POINT(1 2)")), None);
    }

    #[test]
    fn parses_text_and_wkt() {
        assert_eq!(parse_str("[1.5,-2]"), Some(pt(1.5, -2.0)));
        assert_eq!(parse_str(" point ( 1.5  -2 ) "), Some(pt(1.5, -2.0)));
        assert_eq!(
            parse_str("LINESTRING(0 0, 1 1,2 0)"),
            Some(g(json!([[0, 0], [1, 1], [2, 0]])))
        );
        assert_eq!(
            parse_str("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0), (3 3, 3 7, 7 7, 7 3, 3 3))"),
            Some(with_hole())
        );
        for bad in [
            "",
            "POINT EMPTY",
            "POINT(1)",
            "POINT(1 2 3)",
            "POINT(1 2) x",
            "[1,",
            "MULTIPOINT((1 2))",
        ] {
            assert_eq!(parse_str(bad), None, "{bad}");
        }
    }

    #[test]
    fn to_json_round_trips() {
        for v in [
            json!([1.5, 2.0]),
            json!([[0.0, 0.0], [1.0, 1.0]]),
            json!([[[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]]]),
        ] {
            assert_eq!(g(v.clone()).to_json(), v);
        }
        assert_eq!(g(json!([1, 2])).to_json().to_string(), "[1.0,2.0]");
    }

    // ---- validation -------------------------------------------------------------------------

    fn err(kind: Kind, v: Value) -> String {
        match validate(kind, &v) {
            Err(e) => e,
            Ok(()) => panic!("{v} should be invalid"),
        }
    }

    #[test]
    fn validates_points_like_appwrite() {
        assert_eq!(validate_point(&json!([-180, 90])), Ok(()));
        assert_eq!(validate_point(&json!(["1.5", 2])), Ok(()));
        assert_eq!(validate_point(&json!(null)), Ok(()));
        assert_eq!(validate_point(&json!("POINT(1 2)")), Ok(()));
        assert_eq!(
            err(Kind::Point, json!([1])),
            "Value must be a valid point: Point must be an array of two numeric values [x, y]"
        );
        assert_eq!(
            err(Kind::Point, json!([1, true])),
            "Value must be a valid point: Point coordinates must be numeric values"
        );
        assert_eq!(
            err(Kind::Point, json!([200, 0])),
            "Value must be a valid point: Longitude (x) must be between -180 and 180, got 200"
        );
        assert_eq!(
            err(Kind::Point, json!([0, -90.5])),
            "Value must be a valid point: Latitude (y) must be between -90 and 90, got -90.5"
        );
        assert_eq!(
            err(Kind::Point, json!(1)),
            "Value must be a valid point: Spatial value must be array or WKT string"
        );
        assert_eq!(
            err(Kind::Point, json!("LINESTRING(0 0, 1 1)")),
            "Value must be a valid point: Spatial value must be array or WKT string"
        );
    }

    #[test]
    fn validates_lines_like_appwrite() {
        assert_eq!(validate_line(&json!([[0, 0], [1, 1]])), Ok(()));
        let p = "Value must be a valid linestring: ";
        assert_eq!(
            err(Kind::Line, json!([[0, 0]])),
            format!("{p}LineString must contain at least two points")
        );
        assert_eq!(
            err(Kind::Line, json!([[0, 0], [1]])),
            format!("{p}Each point in LineString must be an array of two values [x, y]")
        );
        assert_eq!(
            err(Kind::Line, json!([[0, 0], [1, "a"]])),
            format!("{p}Each point in LineString must have numeric coordinates")
        );
        assert_eq!(
            err(Kind::Line, json!([[0, 0], [1, 1], [0, 1e20]])),
            format!(
                "{p}Invalid coordinates at point #2: Latitude (y) must be between -90 and 90, got 1.0E+20"
            )
        );
    }

    #[test]
    fn validates_polygons_like_appwrite() {
        let p = "Value must be a valid polygon: ";
        assert_eq!(
            validate_polygon(&json!([[[0, 0], [1, 0], [1, 1], [0, 0]]])),
            Ok(())
        );
        assert_eq!(
            validate_polygon(&json!([[0, 0], [1, 0], [1, 1], [0, 0]])),
            Ok(())
        );
        assert_eq!(
            err(Kind::Polygon, json!([])),
            format!("{p}Polygon must contain at least one ring")
        );
        assert_eq!(
            err(Kind::Polygon, json!([[[0, 0], [1, 0], [1, 1], [0, 0]], []])),
            format!("{p}Ring #1 must be an array of points")
        );
        assert_eq!(
            err(Kind::Polygon, json!([[[0, 0], [1, 0], [0, 0]]])),
            format!("{p}Ring #0 must contain at least 4 points to form a closed polygon")
        );
        assert_eq!(
            err(Kind::Polygon, json!([[[0, 0], [1, 0], [1], [0, 0]]])),
            format!("{p}Point #2 in ring #0 must be an array of two values [x, y]")
        );
        assert_eq!(
            err(Kind::Polygon, json!([[[0, 0], [1, 0], [1, null], [0, 0]]])),
            format!("{p}Coordinates of point #2 in ring #0 must be numeric")
        );
        assert_eq!(
            err(Kind::Polygon, json!([[[0, 0], [181, 0], [1, 1], [0, 0]]])),
            format!(
                "{p}Invalid coordinates at point #1 in ring #0: Longitude (x) must be between -180 and 180, got 181"
            )
        );
        assert_eq!(
            err(Kind::Polygon, json!([[[0, 0], [1, 0], [1, 1], [0, 1]]])),
            format!("{p}Ring #0 must be closed (first point must equal last point)")
        );
        // PHP's `!==` tells 0 from 0.0.
        assert_eq!(
            err(Kind::Polygon, json!([[[0, 0], [1, 0], [1, 1], [0.0, 0.0]]])),
            format!("{p}Ring #0 must be closed (first point must equal last point)")
        );
    }

    #[test]
    fn formats_floats_like_php() {
        assert_eq!(php_float(200.0), "200");
        assert_eq!(php_float(-180.5), "-180.5");
        assert_eq!(php_float(0.1 + 0.2), "0.3");
        assert_eq!(php_float(1e20), "1.0E+20");
        assert_eq!(php_float(1.5e-7), "1.5E-7");
        assert_eq!(php_float(12345678901234.0), "12345678901234");
        assert_eq!(php_float(123456789012346.0), "1.2345678901235E+14");
    }

    // ---- predicates -------------------------------------------------------------------------

    #[test]
    fn point_point() {
        let (a, b) = (pt(1.0, 1.0), pt(2.0, 2.0));
        assert!(intersects(&a, &a) && equals(&a, &a) && contains(&a, &a) && covers(&a, &a));
        assert!(!intersects(&a, &b) && !equals(&a, &b));
        assert!(!touches(&a, &a) && !crosses(&a, &a) && !overlaps(&a, &a));
    }

    #[test]
    fn point_line() {
        let l = g(json!([[0, 0], [4, 0], [4, 4]]));
        let inner = pt(2.0, 0.0);
        let vertex = pt(4.0, 0.0);
        let end = pt(0.0, 0.0);
        let off = pt(2.0, 1.0);
        assert!(intersects(&inner, &l) && intersects(&l, &inner) && intersects(&vertex, &l));
        assert!(!touches(&inner, &l) && !touches(&vertex, &l));
        assert!(touches(&end, &l) && touches(&l, &end) && intersects(&end, &l));
        assert!(!intersects(&off, &l) && !touches(&off, &l));
        assert!(contains(&l, &inner) && contains(&l, &vertex) && !contains(&l, &end));
        assert!(covers(&l, &end) && !covers(&l, &off) && !covers(&inner, &l));
        // A single point never crosses or overlaps anything.
        assert!(!crosses(&inner, &l) && !crosses(&l, &inner) && !overlaps(&inner, &l));
        assert!(!equals(&inner, &l));
        // A closed line has no boundary: its start point is interior.
        let ring = g(json!([[0, 0], [1, 0], [1, 1], [0, 0]]));
        assert!(!touches(&end, &ring) && contains(&ring, &end));
    }

    #[test]
    fn point_polygon() {
        let sq = rect(0.0, 0.0, 10.0, 10.0);
        let h = with_hole();
        assert!(intersects(&pt(5.0, 5.0), &sq) && contains(&sq, &pt(5.0, 5.0)));
        assert!(!touches(&pt(5.0, 5.0), &sq));
        assert!(intersects(&pt(10.0, 5.0), &sq) && touches(&pt(10.0, 5.0), &sq));
        assert!(
            touches(&sq, &pt(0.0, 0.0))
                && !contains(&sq, &pt(0.0, 0.0))
                && covers(&sq, &pt(0.0, 0.0))
        );
        assert!(!intersects(&pt(11.0, 5.0), &sq) && !touches(&pt(11.0, 5.0), &sq));
        // Holes are outside; their edges are boundary.
        assert!(!intersects(&pt(5.0, 5.0), &h) && !contains(&h, &pt(5.0, 5.0)));
        assert!(touches(&pt(3.0, 5.0), &h));
        assert!(contains(&h, &pt(1.0, 1.0)));
        assert!(
            !crosses(&pt(5.0, 5.0), &sq)
                && !overlaps(&pt(5.0, 5.0), &sq)
                && !equals(&pt(5.0, 5.0), &sq)
        );
    }

    #[test]
    fn line_line() {
        let a = g(json!([[0, 0], [4, 4]]));
        let x = g(json!([[0, 4], [4, 0]]));
        assert!(intersects(&a, &x) && crosses(&a, &x) && crosses(&x, &a));
        assert!(!touches(&a, &x) && !overlaps(&a, &x) && !equals(&a, &x));

        // T junction: an end point on the other's interior touches.
        let t = g(json!([[2, 2], [2, 5]]));
        assert!(intersects(&a, &t) && touches(&a, &t) && touches(&t, &a) && !crosses(&a, &t));
        // End to end.
        let e = g(json!([[4, 4], [8, 0]]));
        assert!(touches(&a, &e) && !crosses(&a, &e));
        // Disjoint parallel lines.
        let p = g(json!([[0, 1], [4, 5]]));
        assert!(!intersects(&a, &p) && !touches(&a, &p) && !crosses(&a, &p) && !overlaps(&a, &p));

        // Collinear partial overlap: overlaps, does not cross or touch.
        let c = g(json!([[2, 2], [6, 6]]));
        assert!(intersects(&a, &c) && overlaps(&a, &c) && overlaps(&c, &a));
        assert!(!crosses(&a, &c) && !touches(&a, &c) && !equals(&a, &c));
        // A collinear part inside the other: contained, not overlapping.
        let inner = g(json!([[1, 1], [3, 3]]));
        assert!(contains(&a, &inner) && !overlaps(&a, &inner) && !contains(&inner, &a));

        // Equal point sets with different vertices and direction.
        let same = g(json!([[4, 4], [1, 1], [0, 0]]));
        assert!(equals(&a, &same) && equals(&same, &a) && !overlaps(&a, &same));

        // Crossing away from any vertex, and at an interior vertex.
        let v = g(json!([[0, 3], [2, 1], [4, 3]]));
        let w = g(json!([[0, 2], [4, 2]]));
        assert!(crosses(&v, &w));
        let bent = g(json!([[0, 0], [2, 2], [4, 0]]));
        let flat = g(json!([[2, 0], [2, 4]]));
        assert!(crosses(&bent, &flat));
        // Touching at a shared interior vertex without crossing: interiors meet in a point,
        // so it is a crossing in DE-9IM terms (0-dimensional interior intersection).
        let above = g(json!([[0, 4], [2, 2], [4, 4]]));
        assert!(crosses(&bent, &above) && !touches(&bent, &above));
    }

    #[test]
    fn line_polygon() {
        let sq = rect(0.0, 0.0, 10.0, 10.0);
        let through = g(json!([[-5, 5], [15, 5]]));
        assert!(intersects(&through, &sq) && crosses(&through, &sq) && crosses(&sq, &through));
        assert!(!touches(&through, &sq) && !overlaps(&through, &sq) && !contains(&sq, &through));

        let inside = g(json!([[2, 2], [8, 8]]));
        assert!(intersects(&inside, &sq) && contains(&sq, &inside) && covers(&sq, &inside));
        assert!(!crosses(&inside, &sq) && !touches(&inside, &sq));

        // Along an edge: touches (only boundaries meet); covered but not contained.
        let edge = g(json!([[2, 0], [8, 0]]));
        assert!(touches(&edge, &sq) && touches(&sq, &edge) && !crosses(&edge, &sq));
        assert!(!contains(&sq, &edge) && covers(&sq, &edge));
        // Partly along an edge, partly outside: still only touching.
        let edge_out = g(json!([[5, 0], [15, 0]]));
        assert!(touches(&edge_out, &sq) && !crosses(&edge_out, &sq));
        // From the edge inwards: interiors meet, nothing outside; contained, no cross.
        let inward = g(json!([[5, 0], [5, 5]]));
        assert!(!touches(&inward, &sq) && !crosses(&inward, &sq) && contains(&sq, &inward));
        // From outside to a corner.
        let corner = g(json!([[12, 12], [10, 10]]));
        assert!(touches(&corner, &sq) && !crosses(&corner, &sq));
        let outside = g(json!([[11, 0], [11, 10]]));
        assert!(!intersects(&outside, &sq) && !touches(&outside, &sq));

        // Holes: a line inside the hole is outside; one across the hole's edge crosses.
        let h = with_hole();
        let in_hole = g(json!([[4, 4], [6, 6]]));
        assert!(!intersects(&in_hole, &h) && !crosses(&in_hole, &h));
        let across = g(json!([[1, 5], [5, 5]]));
        assert!(crosses(&across, &h) && !contains(&h, &across));
        let around = g(json!([[1, 1], [9, 1], [9, 9]]));
        assert!(contains(&h, &around) && !crosses(&around, &h));
        // The closed boundary line of the square equals neither the square nor crosses it.
        let boundary = g(json!([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]]));
        assert!(intersects(&boundary, &sq) && touches(&boundary, &sq) && !equals(&boundary, &sq));
    }

    #[test]
    fn polygon_polygon() {
        let a = rect(0.0, 0.0, 10.0, 10.0);
        let over = rect(5.0, 5.0, 15.0, 15.0);
        assert!(intersects(&a, &over) && overlaps(&a, &over) && overlaps(&over, &a));
        assert!(
            !touches(&a, &over)
                && !crosses(&a, &over)
                && !contains(&a, &over)
                && !equals(&a, &over)
        );

        // Sharing an edge, or part of one, or a corner: touches.
        let side = rect(10.0, 0.0, 20.0, 10.0);
        let part = rect(10.0, 2.0, 20.0, 5.0);
        let corner = rect(10.0, 10.0, 20.0, 20.0);
        for b in [&side, &part, &corner] {
            assert!(
                intersects(&a, b) && touches(&a, b) && touches(b, &a),
                "{b:?}"
            );
            assert!(
                !overlaps(&a, b) && !crosses(&a, b) && !contains(&a, b),
                "{b:?}"
            );
        }
        let apart = rect(11.0, 0.0, 20.0, 10.0);
        assert!(!intersects(&a, &apart) && !touches(&a, &apart) && !overlaps(&a, &apart));

        // Nested, with and without shared edges.
        let inner = rect(2.0, 2.0, 8.0, 8.0);
        let flush = rect(0.0, 0.0, 5.0, 5.0);
        for b in [&inner, &flush] {
            assert!(
                intersects(&a, b) && contains(&a, b) && covers(&a, b) && !contains(b, &a),
                "{b:?}"
            );
            assert!(!overlaps(&a, b) && !touches(&a, b), "{b:?}");
        }

        // Same region, other start vertex and orientation.
        let same = g(json!([[[10, 10], [10, 0], [0, 0], [0, 10]]]));
        assert!(
            equals(&a, &same) && equals(&same, &a) && contains(&a, &same) && !overlaps(&a, &same)
        );
        // Same outline with an extra collinear vertex.
        let extra = g(json!([[
            [0, 0],
            [5, 0],
            [10, 0],
            [10, 10],
            [0, 10],
            [0, 0]
        ]]));
        assert!(equals(&a, &extra));

        // Holes: a polygon in the hole is apart; one filling the hole touches it.
        let h = with_hole();
        let in_hole = rect(4.0, 4.0, 6.0, 6.0);
        let fills = rect(3.0, 3.0, 7.0, 7.0);
        assert!(!intersects(&h, &in_hole) && !touches(&h, &in_hole));
        assert!(touches(&h, &fills) && !overlaps(&h, &fills) && !contains(&h, &fills));
        assert!(!equals(&h, &a) && contains(&a, &h) && !contains(&h, &a));
        let across = rect(1.0, 1.0, 5.0, 5.0);
        assert!(overlaps(&h, &across) && !contains(&h, &across));
        // A polygon around everything overlaps nothing, contains all.
        let big = rect(-1.0, -1.0, 11.0, 11.0);
        assert!(contains(&big, &h) && !overlaps(&big, &h) && !touches(&big, &h));
    }

    #[test]
    fn appwrite_test_cases() {
        // From utopia-php/database's SpatialTests: a line [[1,2],[3,4]], polygon 0..10 square.
        let line = g(json!([[1.0, 2.0], [3.0, 4.0]]));
        assert!(covers(&line, &pt(1.0, 2.0)) && !covers(&line, &pt(5.0, 6.0)));
        assert!(equals(&line, &g(json!([[1.0, 2.0], [3.0, 4.0]]))));
        assert!(intersects(&line, &pt(1.0, 2.0)) && !intersects(&line, &pt(5.0, 6.0)));
        let poly = rect(0.0, 0.0, 10.0, 10.0);
        assert!(covers(&poly, &pt(5.0, 5.0)) && !covers(&poly, &pt(15.0, 15.0)));
        assert!(intersects(&poly, &pt(0.0, 0.0)));
        assert!(overlaps(&poly, &rect(5.0, 5.0, 15.0, 15.0)));
        assert!(!overlaps(&poly, &rect(20.0, 20.0, 30.0, 30.0)));
        // An L-shape's notch is outside it.
        let l_shape = g(json!([[
            [0, 0],
            [0, 20],
            [10, 20],
            [10, 10],
            [20, 10],
            [20, 0],
            [0, 0]
        ]]));
        assert!(covers(&l_shape, &pt(10.0, 5.0)) && !covers(&l_shape, &pt(15.0, 15.0)));
        // A closed line given to intersects (the square's outline) meets the square.
        let outline = g(json!([[5, 5], [5, 15], [15, 15], [15, 5], [5, 5]]));
        assert!(intersects(&rect(5.0, 5.0, 15.0, 15.0), &outline));
    }

    #[test]
    fn collinear_lines_end_to_end() {
        let a = g(json!([[0, 0], [2, 0]]));
        let b = g(json!([[2, 0], [4, 0]]));
        assert!(touches(&a, &b) && !overlaps(&a, &b) && !crosses(&a, &b));
        let c = g(json!([[1, 0], [4, 0]]));
        assert!(overlaps(&a, &c) && !touches(&a, &c));
    }

    /// Consistency between the predicates over a catalogue of shapes.
    #[test]
    fn predicates_agree_with_each_other() {
        let shapes = [
            pt(0.0, 0.0),
            pt(5.0, 5.0),
            pt(10.0, 5.0),
            pt(3.0, 5.0),
            g(json!([[0, 0], [10, 10]])),
            g(json!([[-5, 5], [15, 5]])),
            g(json!([[0, 0], [10, 0]])),
            g(json!([[2, 0], [8, 0], [8, 8]])),
            g(json!([[0, 0], [10, 0], [10, 10], [0, 10], [0, 0]])),
            g(json!([[4, 4], [6, 6]])),
            rect(0.0, 0.0, 10.0, 10.0),
            rect(5.0, 5.0, 15.0, 15.0),
            rect(10.0, 0.0, 20.0, 10.0),
            rect(3.0, 3.0, 7.0, 7.0),
            rect(2.0, 2.0, 8.0, 8.0),
            with_hole(),
            g(json!([[[0, 10], [10, 0], [10, 10]]])),
        ];
        for a in &shapes {
            assert!(equals(a, a) && covers(a, a) && intersects(a, a), "{a:?}");
            assert!(!touches(a, a) && !overlaps(a, a) && !crosses(a, a), "{a:?}");
            for b in &shapes {
                let m = matrix(a, b).is_some_and(|(m, _, _)| m.intersects());
                assert_eq!(intersects(a, b), m, "{a:?} {b:?}");
                assert_eq!(intersects(a, b), intersects(b, a), "{a:?} {b:?}");
                assert_eq!(touches(a, b), touches(b, a), "{a:?} {b:?}");
                assert_eq!(overlaps(a, b), overlaps(b, a), "{a:?} {b:?}");
                assert_eq!(crosses(a, b), crosses(b, a), "{a:?} {b:?}");
                assert_eq!(equals(a, b), equals(b, a), "{a:?} {b:?}");
                assert_eq!(equals(a, b), covers(a, b) && covers(b, a), "{a:?} {b:?}");
                assert!(!contains(a, b) || covers(a, b), "{a:?} {b:?}");
                assert!(!touches(a, b) || intersects(a, b), "{a:?} {b:?}");
                assert!(
                    !(touches(a, b) && (overlaps(a, b) || crosses(a, b))),
                    "{a:?} {b:?}"
                );
                assert_eq!(
                    distance(a, b, false) == 0.0,
                    intersects(a, b),
                    "{a:?} {b:?}"
                );
            }
        }
    }

    #[test]
    fn near_coincident_computed_points() {
        // Lines crossing at a non-representable point, then a line through that point.
        let a = g(json!([[0.1, 0.1], [0.7, 0.3]]));
        let b = g(json!([[0.1, 0.3], [0.7, 0.1]]));
        assert!(crosses(&a, &b));
        let tiny = rect(0.1, 0.1, 0.3, 0.3);
        let tiny2 = g(json!([[
            [0.3, 0.1],
            [0.3, 0.3],
            [0.5, 0.3],
            [0.5, 0.1],
            [0.3, 0.1]
        ]]));
        assert!(touches(&tiny, &tiny2) && !overlaps(&tiny, &tiny2));
    }

    // ---- distance ---------------------------------------------------------------------------

    fn close(a: f64, b: f64, eps: f64) -> bool {
        (a - b).abs() <= eps
    }

    #[test]
    fn planar_distance() {
        // Appwrite's test expects exactly 1.4142135623730951 (= SQRT_2) here.
        assert_eq!(
            distance(&pt(5.0, 5.0), &pt(6.0, 6.0), false),
            std::f64::consts::SQRT_2
        );
        let line = g(json!([[0, 0], [10, 0]]));
        assert_eq!(distance(&pt(5.0, 3.0), &line, false), 3.0);
        assert_eq!(distance(&line, &pt(13.0, 4.0), false), 5.0);
        assert_eq!(distance(&pt(5.0, 0.0), &line, false), 0.0);
        let sq = rect(0.0, 0.0, 10.0, 10.0);
        assert_eq!(distance(&pt(5.0, 5.0), &sq, false), 0.0);
        assert_eq!(distance(&sq, &pt(5.0, 12.0), false), 2.0);
        assert_eq!(distance(&sq, &rect(13.0, 14.0, 20.0, 20.0), false), 5.0);
        assert_eq!(distance(&sq, &rect(5.0, 5.0, 20.0, 20.0), false), 0.0);
        // Inside a hole: the distance to the hole's edge.
        assert_eq!(distance(&with_hole(), &pt(5.0, 4.0), false), 1.0);
        let crossing = g(json!([[5, -5], [5, 5]]));
        assert_eq!(distance(&line, &crossing, false), 0.0);
        let above = g(json!([[-5, 2], [5, 7]]));
        assert!(close(
            distance(&line, &above, false),
            16.2_f64.sqrt(),
            1e-12
        ));
    }

    #[test]
    fn spherical_distance() {
        // One degree of latitude on a 6 371 000 m sphere.
        let one_deg = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        assert!(close(
            distance(&pt(0.0, 0.0), &pt(0.0, 1.0), true),
            one_deg,
            1e-6
        ));
        assert!(close(
            distance(&pt(0.0, 0.0), &pt(1.0, 0.0), true),
            one_deg,
            1e-6
        ));
        assert_eq!(distance(&pt(10.0, 10.0), &pt(10.0, 10.0), true), 0.0);
        // Paris – London, haversine with R = 6 371 000 m: about 343.5 km.
        let d = distance(&pt(2.3522, 48.8566), &pt(-0.1278, 51.5074), true);
        assert!(close(d, 343_556.0, 1_000.0), "{d}");
        // Antipodes: half the circumference.
        let half = EARTH_RADIUS_M * std::f64::consts::PI;
        assert!(close(
            distance(&pt(0.0, 0.0), &pt(180.0, 0.0), true),
            half,
            1e-3
        ));
        // A point north of the middle of an equator arc: the perpendicular, not an end.
        let eq = g(json!([[-10, 0], [10, 0]]));
        assert!(close(distance(&pt(0.0, 1.0), &eq, true), one_deg, 1e-6));
        assert!(close(distance(&eq, &pt(0.0, 1.0), true), one_deg, 1e-6));
        // Beyond the end: distance to the end point.
        let end = distance(&pt(11.0, 0.0), &eq, true);
        assert!(close(end, one_deg, 1e-6), "{end}");
        // Inside a polygon: 0.
        assert_eq!(
            distance(&rect(0.0, 0.0, 1.0, 1.0), &pt(0.5, 0.5), true),
            0.0
        );
        // Polygon to polygon: meridians converge, so the facing edges are closest at the
        // corners away from the equator.
        let gap = distance(&rect(0.0, -1.0, 1.0, 1.0), &rect(2.0, -1.0, 3.0, 1.0), true);
        let corners = distance(&pt(1.0, 1.0), &pt(2.0, 1.0), true);
        assert!(close(gap, corners, 1e-6) && gap < one_deg, "{gap}");
    }
}
