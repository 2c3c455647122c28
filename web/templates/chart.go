package templates

import (
	"strconv"
	"strings"
	"time"
)

// SeatDay is one day of a seats chart.
type SeatDay struct {
	Day       time.Time
	Seats     int // bought
	Used      int // licensed users, active and invited
	Customers int
}

// SeatChart is a server-drawn chart of seats bought and used over time (an SVG, readable
// without JavaScript, with the same figures as a table).
type SeatChart struct {
	Title   string
	Days    []SeatDay
	W, H    int    // the drawing's size in SVG units
	Seats   string // polyline points of the seats bought
	Used    string // polyline points of the seats used
	Dots    []ChartDot
	YTicks  []ChartTick
	XTicks  []ChartTick
	Caption string
}

// ChartDot is one marked point.
type ChartDot struct {
	X, Y  int
	Kind  string // seats or used
	Label string
}

// ChartTick is an axis label at a position.
type ChartTick struct {
	Pos   int
	Label string
}

// Chart geometry: the plot area inside the drawing.
const (
	chartW, chartH          = 640, 220
	chartLeft, chartRight   = 48, 12
	chartTop, chartBottom   = 12, 28
	chartPlotW, chartPlotH  = chartW - chartLeft - chartRight, chartH - chartTop - chartBottom
	chartMaxDots, chartXTix = 31, 6
)

// NewSeatChart lays out days (oldest first) as a seats chart.
func NewSeatChart(title string, days []SeatDay) SeatChart {
	c := SeatChart{Title: title, Days: days, W: chartW, H: chartH}
	if len(days) == 0 {
		return c
	}
	top := 1
	for _, d := range days {
		top = max(top, d.Seats, d.Used)
	}
	top = niceCeil(top)
	x := func(i int) int {
		if len(days) == 1 {
			return chartLeft + chartPlotW/2
		}
		return chartLeft + i*chartPlotW/(len(days)-1)
	}
	y := func(v int) int { return chartTop + chartPlotH - v*chartPlotH/top }
	var seats, used strings.Builder
	for i, d := range days {
		seats.WriteString(strconv.Itoa(x(i)) + "," + strconv.Itoa(y(d.Seats)) + " ")
		used.WriteString(strconv.Itoa(x(i)) + "," + strconv.Itoa(y(d.Used)) + " ")
		if len(days) <= chartMaxDots {
			day := d.Day.UTC().Format("2 Jan")
			c.Dots = append(c.Dots, ChartDot{X: x(i), Y: y(d.Seats), Kind: "seats", Label: day + ": " + Thousands(d.Seats) + " seats bought"},
				ChartDot{X: x(i), Y: y(d.Used), Kind: "used", Label: day + ": " + Thousands(d.Used) + " used"})
		}
	}
	c.Seats, c.Used = strings.TrimSpace(seats.String()), strings.TrimSpace(used.String())
	for _, v := range []int{0, top / 2, top} {
		c.YTicks = append(c.YTicks, ChartTick{Pos: y(v), Label: Thousands(v)})
	}
	step := max(1, (len(days)+chartXTix-1)/chartXTix)
	for i := 0; i < len(days); i += step {
		c.XTicks = append(c.XTicks, ChartTick{Pos: x(i), Label: days[i].Day.UTC().Format("2 Jan")})
	}
	last := days[len(days)-1]
	c.Caption = Thousands(last.Used) + " of " + Thousands(last.Seats) + " seats used on " + last.Day.UTC().Format("2 Jan 2006")
	if len(days) == 1 {
		c.Caption += "; Tierdesk keeps one snapshot a day, and the chart fills in as days pass"
	}
	return c
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, for an axis.
func niceCeil(n int) int {
	p := 1
	for p*10 <= n {
		p *= 10
	}
	for _, m := range []int{1, 2, 5, 10} {
		if m*p >= n {
			return m * p
		}
	}
	return 10 * p
}
