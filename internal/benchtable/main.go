// Command benchtable turns the output of `go test -bench` into Tierdesk's performance
// dashboard: it copies the output through, then prints one table of the scenarios Tierdesk
// promises (each measured figure, its goal, and whether it is met) and writes the same table
// into BENCHMARKS.md with the machine it ran on. `make bench` pipes its benchmarks into it.
// It exits non-zero when a benchmark failed (a goal not met is reported, not a failure: the
// table says so).
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// scenario is one row of the dashboard: the benchmark and the metric (b.ReportMetric's unit)
// that measure it, and the goal.
type scenario struct {
	Name   string
	Bench  string  // benchmark name, without the -N suffix (sub-benchmarks with their path)
	Metric string  // unit of the reported metric
	Op     string  // "<=" or ">="
	Goal   float64 // the goal, in the metric's unit
}

// scenarios are the promises of issue 15, in the order of its table. A benchmark that does not
// report its metric leaves its row "not measured".
var scenarios = []scenario{
	{"page reading one Zoom call ÷ the call made directly, 50 ms at Zoom: p50", "BenchmarkServePageOverhead", "ratio-p50", "<=", 1.02},
	{"page reading one Zoom call ÷ the call made directly, 50 ms at Zoom: p99", "BenchmarkServePageOverhead", "ratio-p99", "<=", 1.10},
	{"chained audit appends ÷ plain inserts, 16 writers, one partner (durable): p50", "BenchmarkAuditAppend", "ratio-1-partner-p50", ">=", 0.9},
	{"chained audit appends ÷ plain inserts, 16 writers, 16 partners (durable): p50", "BenchmarkAuditAppend", "ratio-16-partners-p50", ">=", 0.9},
	{"audit sealing lag p99 under load, ms", "BenchmarkAuditAppend", "seal-lag-p99-ms", "<=", 1000},
	{"customer list p99 during another partner's import ÷ idle p99", "BenchmarkServeListDuringImport", "ratio-p99", "<=", 1.5},
	{"customer list, 10,000 customers: page 101 ÷ first page (p50)", "BenchmarkCustomers/10k/page-101-vs-first", "p101/first-p50", "<=", 1.2},
	{"typo search, 10,000 customers: p99, ms", "BenchmarkCustomers/10k/search-typo", "p99-ms", "<=", 25},
	{"users sync of 212 customers ÷ rate floor, 50 ms at Zoom", "BenchmarkUsersSync212Customers", "x-floor", "<=", 1.15},
	{"1,000-user import ÷ rate floor, 250 ms per create at Zoom", "BenchmarkImport1000Users/zoom-latency=250ms", "x-floor", "<=", 1.05},
	{"first directory fill at registration, 500 customers × 100 users ÷ rate floor, 50 ms at Zoom", "BenchmarkFirstDirectoryFill", "x-floor", "<=", 1.15},
	{"standard's drift report, 1,000 customers × 30 settings: p99, ms", "BenchmarkStandardReport/1000x30", "p99-ms", "<=", 100},
	{"portal RSS idle (`portal serve`), MB", "BenchmarkServeIdleRSS", "rss-MB", "<=", 25},
}

// benchLine is a result line: name, iterations, then value-unit pairs. A benchmark reports
// against its goal, and fails only when what it measured is wrong (not when it is slow): the
// table says which goals are met.
var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func main() {
	out := flag.String("md", "BENCHMARKS.md", "the file whose dashboard section is rewritten (\"\" for none)")
	flag.Parse()
	metrics := map[string]map[string]float64{}
	failed := false
	sc := bufio.NewScanner(os.Stdin)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		fmt.Println(line)
		if strings.HasPrefix(line, "--- FAIL") || strings.HasPrefix(line, "FAIL") || strings.HasPrefix(line, "panic:") {
			failed = true
		}
		m := benchLine.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		fields := strings.Fields(m[3])
		for i := 0; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				continue
			}
			if metrics[m[1]] == nil {
				metrics[m[1]] = map[string]float64{}
			}
			metrics[m[1]][fields[i+1]] = v
		}
	}
	table := render(metrics)
	fmt.Print("\n" + table)
	if *out != "" {
		if err := writeMarkdown(*out, table); err != nil {
			fmt.Fprintln(os.Stderr, "benchtable:", err)
			os.Exit(1)
		}
	}
	if failed {
		fmt.Fprintln(os.Stderr, "benchtable: a benchmark failed (see above)")
		os.Exit(1)
	}
}

// render is the dashboard as a Markdown table.
func render(metrics map[string]map[string]float64) string {
	var b strings.Builder
	b.WriteString("| scenario | measured | goal | met |\n|---|---|---|---|\n")
	for _, s := range scenarios {
		v, ok := metrics[s.Bench][s.Metric]
		measured, met := "not measured", "—"
		if ok {
			measured = strconv.FormatFloat(v, 'f', -1, 64)
			if len(measured) > 8 {
				measured = strconv.FormatFloat(v, 'g', 4, 64)
			}
			met = "no"
			if (s.Op == "<=" && v <= s.Goal) || (s.Op == ">=" && v >= s.Goal) {
				met = "yes"
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %s %s | %s |\n", s.Name, measured, s.Op, strconv.FormatFloat(s.Goal, 'f', -1, 64), met)
	}
	return b.String()
}

// Markers around the section of BENCHMARKS.md this command owns.
const (
	beginMark = "<!-- benchtable: begin -->"
	endMark   = "<!-- benchtable: end -->"
)

// writeMarkdown replaces the dashboard section of path (made if missing) with table and the
// machine it ran on.
func writeMarkdown(path, table string) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	section := beginMark + "\n" + "Run " + time.Now().UTC().Format("2006-01-02 15:04 UTC") + " on " + machine() + ".\n\n" + table + endMark
	var doc string
	if i, j := bytes.Index(old, []byte(beginMark)), bytes.Index(old, []byte(endMark)); i >= 0 && j > i {
		doc = string(old[:i]) + section + string(old[j+len(endMark):])
	} else {
		doc = "# Benchmarks\n\n`make bench` rewrites the table below.\n\n" + section + "\n" + string(old)
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

// machine describes the computer: CPU model and count, memory, Go, PostgreSQL.
func machine() string {
	cpu := "unknown CPU"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
				cpu = strings.TrimSpace(v)
				break
			}
		}
	}
	mem := ""
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		var kb int64
		if _, err := fmt.Sscanf(string(b), "MemTotal: %d kB", &kb); err == nil {
			mem = fmt.Sprintf(", %.0f GiB", float64(kb)/(1<<20))
		}
	}
	pg := ""
	if b, err := exec.Command("sh", "-c", "ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1").Output(); err == nil && len(bytes.TrimSpace(b)) > 0 {
		pg = ", PostgreSQL " + string(bytes.TrimSpace(b))
	}
	return fmt.Sprintf("%s × %d%s, %s%s", cpu, runtime.NumCPU(), mem, runtime.Version(), pg)
}
