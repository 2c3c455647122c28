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
	// Customers is a second, shorter panel of the number of customers on the same days, on
	// its own scale (nil on a customer's own chart, where it is always one).
	Customers *CustomerPanel
}

// CustomerPanel is the customers-over-time panel beneath a partner's seats chart.
type CustomerPanel struct {
	H       int    // the panel's height in SVG units (the width is the chart's)
	Points  string // polyline points
	Dots    []ChartDot
	YTicks  []ChartTick
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

// Height of the customers panel, and of its plot area.
const custH, custPlotH = 110, custH - chartTop - chartBottom

// NewSeatChart lays out days (oldest first) as a seats chart; withCustomers adds the panel of
// customers over time (a partner's chart).
func NewSeatChart(title string, days []SeatDay, withCustomers bool) SeatChart {
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
	c.Caption = Thousands(last.Used) + " of " + Thousands(last.Seats) + " seats used"
	if withCustomers {
		c.Caption += " by the " + Plural(last.Customers, "customer", "customers") + " whose users Tierdesk has read"
	}
	c.Caption += " on " + last.Day.UTC().Format("2 Jan 2006")
	if len(days) == 1 {
		c.Caption += "; Tierdesk keeps one snapshot a day, and the chart draws itself once there are two"
	}
	if withCustomers {
		c.Customers = customerPanel(days, x)
	}
	return c
}

// customerPanel lays out the number of customers per day, x placing each day as the seats
// chart does so that the two panels line up.
func customerPanel(days []SeatDay, x func(int) int) *CustomerPanel {
	top := 1
	for _, d := range days {
		top = max(top, d.Customers)
	}
	top = niceCeil(top)
	y := func(v int) int { return chartTop + custPlotH - v*custPlotH/top }
	p := &CustomerPanel{H: custH}
	var pts strings.Builder
	for i, d := range days {
		pts.WriteString(strconv.Itoa(x(i)) + "," + strconv.Itoa(y(d.Customers)) + " ")
		if len(days) <= chartMaxDots {
			p.Dots = append(p.Dots, ChartDot{X: x(i), Y: y(d.Customers), Kind: "customers",
				Label: d.Day.UTC().Format("2 Jan") + ": " + Plural(d.Customers, "customer", "customers")})
		}
	}
	p.Points = strings.TrimSpace(pts.String())
	for _, v := range []int{0, top} {
		p.YTicks = append(p.YTicks, ChartTick{Pos: y(v), Label: Thousands(v)})
	}
	first, last := days[0], days[len(days)-1]
	p.Caption = Plural(last.Customers, "customer", "customers") + " on " + last.Day.UTC().Format("2 Jan 2006")
	if len(days) > 1 {
		switch diff := last.Customers - first.Customers; {
		case diff > 0:
			p.Caption += ", " + Thousands(diff) + " more than on " + first.Day.UTC().Format("2 Jan")
		case diff < 0:
			p.Caption += ", " + Thousands(-diff) + " fewer than on " + first.Day.UTC().Format("2 Jan")
		}
	}
	return p
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
