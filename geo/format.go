package geo

import (
	"math"
	"strconv"
)

// The number and text forms every layer's messages and answers share:
// geo's errors, the planner's (data/plan) and the API's problems and
// GeoJSON. They live here, at the bottom, so that each is defined once.

// Clip shortens s to at most n bytes for a message, without splitting a
// UTF-8 sequence, and marks the cut with "…".
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 { // a continuation byte: back to the sequence's start
		n--
	}
	return s[:n] + "…"
}

// Round rounds v to the given number of decimals, halves away from zero.
func Round(v float64, digits int) float64 {
	var p float64
	if digits >= 0 && digits < len(powersOfTen) {
		p = powersOfTen[digits]
	} else {
		p = math.Pow(10, float64(digits))
	}
	return math.Round(v*p) / p
}

// powersOfTen are 10⁰ … 10¹⁵, each exact in a float64 and the value
// math.Pow gives (tested): Round looks them up, as every coordinate and
// distance of an answer is rounded and math.Pow showed in its profile.
var powersOfTen = [...]float64{1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15}

// Round1 rounds v to one decimal (0.1 m, 0.1°).
func Round1(v float64) float64 { return math.Round(v*10) / 10 }

// Num formats v as the shortest decimal that reads back as v, without an
// exponent, as a person writes it in a message ("38461.5", "0.02").
func Num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// maxQuoted bounds the bytes of an input a message repeats.
const maxQuoted = 64

// Quote quotes an input for an error message, cut to maxQuoted bytes
// (then followed by "…"), so that a huge input does not make a huge
// message.
func Quote(s string) string {
	if len(s) > maxQuoted {
		return strconv.Quote(s[:maxQuoted]) + "…"
	}
	return strconv.Quote(s)
}
