package fakedata

import (
	"math"

	"github.com/getkin/kin-openapi/openapi3"
)

// safeInt bounds generated integers to what a float64 (and so JSON in
// JavaScript) holds exactly.
const safeInt = 1 << 53

// hintRange is the realistic range for a numeric kind.
func hintRange(h hint) (lo, hi float64) {
	switch h.kind {
	case kindCount:
		return 0, 100
	case kindPort:
		return 1024, 65535
	case kindSeconds:
		return 60, 86400
	case kindMillis:
		return 1, 2000
	case kindUnixTime:
		t := float64(timeAnchor.Unix())
		return t - 730*86400, t
	case kindSmallInt:
		return 1, 50
	case kindPercent:
		return 0, 100
	case kindHTTPStatus:
		return 200, 299
	case kindDay:
		return 1, 28 // every month has these
	case kindMonth:
		return 1, 12
	case kindYear:
		y := float64(timeAnchor.Year())
		return y - 70, y
	case kindHour:
		return 0, 23
	case kindMinute:
		return 0, 59
	case kindAmount:
		return 100, 100000 // 1.00 to 1,000.00
	case kindDateTime, kindCreatedDateTime, kindDate:
		// A number named like a date is a Unix timestamp.
		t := float64(timeAnchor.Unix())
		return t - 730*86400, t
	case kindFutureDateTime:
		t := float64(timeAnchor.Unix())
		return t + 3600, t + 30*86400
	}
	return 1, 1000
}

// bounds turns the schema's minimum/maximum (3.0 boolean or 3.1 numeric
// exclusive forms) into an inclusive range for integers, or a range with
// the given nudge applied for numbers, intersected with the hint's range
// when they overlap.
func bounds(s *openapi3.Schema, h hint, integer bool) (lo, hi float64) {
	lo, hi = math.Inf(-1), math.Inf(1)
	step := func(v float64, up bool) float64 {
		if integer {
			if up {
				return math.Floor(v) + 1
			}
			return math.Ceil(v) - 1
		}
		if up {
			return math.Nextafter(v, math.Inf(1))
		}
		return math.Nextafter(v, math.Inf(-1))
	}
	if s.Min != nil {
		lo = *s.Min
		if s.ExclusiveMin.IsTrue() {
			lo = step(lo, true)
		}
	}
	if v := s.ExclusiveMin.Value; v != nil && (math.IsInf(lo, -1) || step(*v, true) > lo) {
		lo = step(*v, true)
	}
	if s.Max != nil {
		hi = *s.Max
		if s.ExclusiveMax.IsTrue() {
			hi = step(hi, false)
		}
	}
	if v := s.ExclusiveMax.Value; v != nil && (math.IsInf(hi, 1) || step(*v, false) < hi) {
		hi = step(*v, false)
	}
	if integer {
		lo, hi = math.Ceil(lo), math.Floor(hi)
		switch s.Format {
		case "int32":
			lo, hi = math.Max(lo, math.MinInt32), math.Min(hi, math.MaxInt32)
		}
		if lo <= safeInt && hi >= -safeInt {
			lo, hi = math.Max(lo, -safeInt), math.Min(hi, safeInt)
		}
	}
	hl, hh := hintRange(h)
	switch {
	case h.kind == kindNone && !math.IsInf(lo, -1) && !math.IsInf(hi, 1):
		// The schema's own range says more than the generic default.
		return lo, hi
	case math.Max(lo, hl) <= math.Min(hi, hh):
		return math.Max(lo, hl), math.Min(hi, hh)
	case math.IsInf(lo, -1) && math.IsInf(hi, 1):
		return hl, hh
	case math.IsInf(hi, 1):
		return lo, lo + (hh - hl)
	case math.IsInf(lo, -1):
		return hi - (hh - hl), hi
	}
	return lo, hi
}

// integer makes an int64 within bounds and multipleOf; with contradictory
// bounds it returns the lower one, which the caller's validation reports.
func (r *run) integer(s *openapi3.Schema, h hint) any {
	lo, hi := bounds(s, h, true)
	switch {
	case lo > safeInt:
		// Beyond int64's exact range every float64 is whole, so a float64
		// is the integer to send.
		return math.Ceil(lo)
	case hi < -safeInt:
		return math.Floor(hi)
	}
	if m := multipleOf(s); m > 0 {
		klo, khi := math.Ceil(lo/m), math.Floor(hi/m)
		if klo <= khi && khi-klo < safeInt {
			k := klo + float64(r.int64n(int64(khi-klo)+1))
			return int64(k * m)
		}
		return int64(lo)
	}
	if hi < lo {
		return int64(lo)
	}
	return int64(lo) + r.int64n(int64(hi)-int64(lo)+1)
}

// number makes a float64: a whole number unless the format asks for a
// fraction or the range holds no whole number.
func (r *run) number(s *openapi3.Schema, h hint) any {
	fractional := s.Format == "float" || s.Format == "double"
	lo, hi := bounds(s, h, false)
	if m := multipleOf(s); m > 0 {
		klo, khi := math.Ceil(lo/m), math.Floor(hi/m)
		if klo <= khi && khi-klo < safeInt {
			return (klo + float64(r.int64n(int64(khi-klo)+1))) * m
		}
		return lo
	}
	if hi < lo {
		return lo
	}
	if !fractional {
		ilo, ihi := math.Ceil(lo), math.Floor(hi)
		if ilo <= ihi && ihi-ilo < safeInt {
			return ilo + float64(r.int64n(int64(ihi-ilo)+1))
		}
	}
	span := hi - lo
	if math.IsInf(span, 1) {
		span = math.MaxFloat64 // the range is wider than a float64; any point in it will do
	}
	v := lo + r.f.Float64()*span
	if rounded := math.Round(v*100) / 100; rounded >= lo && rounded <= hi {
		v = rounded
	}
	return math.Min(math.Max(v, lo), hi)
}

func multipleOf(s *openapi3.Schema) float64 {
	if s.MultipleOf == nil || !(*s.MultipleOf > 0) || math.IsInf(*s.MultipleOf, 0) {
		return 0
	}
	return *s.MultipleOf
}

// int64n returns a value in [0, n); n <= 0 gives 0.
func (r *run) int64n(n int64) int64 {
	if n <= 0 {
		return 0
	}
	return int64(r.f.Uint64() % uint64(n))
}
