package fakedata

import (
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/heimdall-mock/heimdall-mock/internal/lazyre"
)

// patternCacheLimit caps the compiled-pattern cache: specs hold a handful of
// patterns, but fuzzed or hostile schemas could hold unboundedly many.
const patternCacheLimit = 4096

var (
	patternCache     sync.Map // pattern -> *regexp.Regexp, or nil when Go cannot compile it
	patternCacheSize atomic.Int64
	// unicodeEscape matches \uXXXX, which JavaScript patterns use and Go
	// spells \x{XXXX}; the validator rewrites it the same way.
	unicodeEscape = lazyre.New(`(\\u)([0-9A-F]{4})`)
)

// compiledPattern compiles a schema pattern as the validator does, or
// returns nil when Go's regexp cannot compile it.
func compiledPattern(pattern string) *regexp.Regexp {
	if v, ok := patternCache.Load(pattern); ok {
		re, _ := v.(*regexp.Regexp)
		return re
	}
	re, err := regexp.Compile(goPattern(pattern))
	if err != nil {
		re = nil
	}
	if patternCacheSize.Load() < patternCacheLimit {
		if _, loaded := patternCache.LoadOrStore(pattern, re); !loaded {
			patternCacheSize.Add(1)
		}
	}
	return re
}

func goPattern(pattern string) string {
	return unicodeEscape().ReplaceAllString(pattern, `\x{$2}`)
}

// patternSpreads are the extra repetitions tried, in turn, for open-ended
// quantifiers: short strings first, longer ones when minLength asks.
var patternSpreads = [...]int{2, 4, 8, 16, 64}

// repeatShape says how many times emit repeats a quantified part: a random
// count up to spread more than the minimum, or, when fill is set, exactly
// that many (used to aim at a length window).
type repeatShape struct {
	spread int
	fill   bool
}

// fromPattern makes a string matching re within the length bounds: a few
// random tries per spread, then tries aimed at the length window. It makes
// a bounded number of attempts and reports false when none fits.
func (r *run) fromPattern(pattern string, re *regexp.Regexp, minLen, maxLen int) (string, bool) {
	parsed, err := syntax.Parse(goPattern(pattern), syntax.Perl)
	if err != nil {
		return "", false
	}
	parsed = parsed.Simplify()
	try := func(shape repeatShape) (string, bool) {
		var b strings.Builder
		budget := 4 * maxCount
		if !r.emit(&b, parsed, shape, &budget) {
			return "", false
		}
		v := b.String()
		n := utf16Len(v)
		if n < minLen || (maxLen >= 0 && n > maxLen) || !re.MatchString(v) {
			return "", false
		}
		return v, true
	}
	for _, spread := range patternSpreads {
		for range 3 {
			if v, ok := try(repeatShape{spread: spread}); ok {
				return v, true
			}
		}
	}
	target := minLen
	if maxLen >= minLen {
		target = (minLen + maxLen) / 2
	}
	for div := 1; div <= 8 && target/div > 0; div++ {
		for range 2 {
			if v, ok := try(repeatShape{spread: target / div, fill: true}); ok {
				return v, true
			}
		}
	}
	return "", false
}

// emit writes one random string of re's language. Anchors and boundaries
// write nothing; budget caps the output so nested repeats stay small.
func (r *run) emit(b *strings.Builder, re *syntax.Regexp, shape repeatShape, budget *int) bool {
	if *budget <= 0 {
		return false
	}
	switch re.Op {
	case syntax.OpNoMatch:
		return false
	case syntax.OpLiteral:
		for _, c := range re.Rune {
			b.WriteRune(c)
		}
		*budget -= len(re.Rune)
	case syntax.OpCharClass:
		c, ok := r.pickRune(re.Rune)
		if !ok {
			return false
		}
		b.WriteRune(c)
		*budget--
	case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
		b.WriteByte(byte('a' + r.f.IntN(26)))
		*budget--
	case syntax.OpCapture:
		return r.emit(b, re.Sub[0], shape, budget)
	case syntax.OpStar, syntax.OpPlus, syntax.OpQuest, syntax.OpRepeat:
		lo, hi := repeatRange(re, shape.spread)
		times := hi
		if !shape.fill {
			times = lo + r.f.IntN(hi-lo+1)
		}
		for i := 0; i < times; i++ {
			if !r.emit(b, re.Sub[0], shape, budget) {
				return false
			}
		}
	case syntax.OpConcat:
		for _, sub := range re.Sub {
			if !r.emit(b, sub, shape, budget) {
				return false
			}
		}
	case syntax.OpAlternate:
		return r.emit(b, re.Sub[r.f.IntN(len(re.Sub))], shape, budget)
	}
	return true
}

func repeatRange(re *syntax.Regexp, spread int) (lo, hi int) {
	switch re.Op {
	case syntax.OpStar:
		return 0, spread
	case syntax.OpPlus:
		return 1, max(1, spread)
	case syntax.OpQuest:
		return 0, 1
	}
	lo = min(re.Min, maxCount)
	hi = re.Max
	if hi < 0 || hi > lo+spread {
		hi = lo + spread
	}
	return lo, max(hi, lo)
}

// pickRune picks a character from a class given as inclusive range pairs,
// preferring printable ASCII so values stay readable.
func (r *run) pickRune(ranges []rune) (rune, bool) {
	if len(ranges) < 2 {
		return 0, false
	}
	printable := 0
	for i := 0; i+1 < len(ranges); i += 2 {
		lo, hi := max(ranges[i], 0x21), min(ranges[i+1], 0x7e)
		if lo <= hi {
			printable += int(hi-lo) + 1
		}
	}
	if printable > 0 {
		k := r.f.IntN(printable)
		for i := 0; i+1 < len(ranges); i += 2 {
			lo, hi := max(ranges[i], 0x21), min(ranges[i+1], 0x7e)
			if lo > hi {
				continue
			}
			if k <= int(hi-lo) {
				return lo + rune(k), true
			}
			k -= int(hi-lo) + 1
		}
	}
	return ranges[0], true
}
