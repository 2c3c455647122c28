package jobs

import (
	"errors"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"
)

// The error of a job's last River attempt is recorded as the job's failure; earlier ones go
// back to River for a retry.
func TestLastAttemptRecordsTheFailure(t *testing.T) {
	boom := errors.New("connection reset")
	var recorded string
	finish := func(msg string) error { recorded = msg; return nil }
	job := &river.Job[SyncCustomersArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 3}}
	if err := lastAttempt(job, boom, finish); !errors.Is(err, boom) || recorded != "" {
		t.Fatalf("first attempt: %v, recorded %q", err, recorded)
	}
	job.Attempt = 3
	if err := lastAttempt(job, boom, finish); err != nil || !strings.Contains(recorded, "Stopped after 3 attempts") {
		t.Fatalf("last attempt: %v, recorded %q", err, recorded)
	}
	recorded = ""
	if err := lastAttempt(job, nil, finish); err != nil || recorded != "" {
		t.Fatalf("success: %v, recorded %q", err, recorded)
	}
}
