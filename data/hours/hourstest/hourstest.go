// Package hourstest makes opening_hours values for tests.
package hourstest

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

var days = [7]string{"Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"}

func minute(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// Random writes a random opening_hours value in the syntax package hours
// supports, for tests of hours and of the records that hold them.
func Random(r *rand.Rand) string {
	if r.IntN(20) == 0 {
		return "24/7"
	}
	n := 1 + r.IntN(4)
	var rules []string
	for range n {
		var b strings.Builder
		if r.IntN(4) > 0 {
			for j := range 1 + r.IntN(3) {
				if j > 0 {
					b.WriteByte(',')
				}
				b.WriteString(days[r.IntN(7)])
				if r.IntN(2) == 0 {
					b.WriteString("-" + days[r.IntN(7)])
				}
			}
			b.WriteByte(' ')
		}
		switch r.IntN(8) {
		case 0:
			b.WriteString("off")
		default:
			for j := range 1 + r.IntN(3) {
				if j > 0 {
					b.WriteByte(',')
				}
				s := r.IntN(24*4) * 15
				e := r.IntN(24*4+1) * 15
				if e == s {
					e = (s + 60) % (24 * 60)
				}
				b.WriteString(minute(s) + "-" + minute(e))
			}
		}
		rules = append(rules, strings.TrimSpace(b.String()))
	}
	return strings.Join(rules, "; ")
}
