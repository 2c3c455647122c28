package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/tierdesk/tierdesk/internal/secret"
	"github.com/tierdesk/tierdesk/internal/store"
)

// auditCommand runs `portal audit verify`: it recomputes every audit chain (or one
// partner's), checks every checkpoint (of PORTAL_AUDIT_CHECKPOINTS, or of the --checkpoints
// files) and every --expect anchor against the database, and succeeds with the counts
// verified, or fails naming each broken chain, forged checkpoint and cut or rewritten event.
func auditCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	const usage = "usage: portal audit verify [--partner ID] [--checkpoints FILE] [--expect PARTNER:SEQ:HASH] (the last two repeatable)"
	if len(args) == 0 || args[0] != "verify" {
		return errors.New(usage)
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stdout)
	partner := fs.Int64("partner", 0, "verify only this partner's chain (its Tierdesk partner id)")
	var anchors anchorList
	fs.Var(&anchors, "expect", "PARTNER:SEQ:HASH of a chain head kept outside the database (an export's trailer, a logged head); repeatable")
	var files fileList
	fs.Var(&files, "checkpoints", "a file of signed checkpoints (the portal's checkpoint file, an NDJSON export, JSON log lines) to check instead of PORTAL_AUDIT_CHECKPOINTS; repeatable")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New(usage)
	}
	url := getenv("DATABASE_URL")
	if url == "" {
		return &configError{"DATABASE_URL", "is not set", "set it to the portal's PostgreSQL URL"}
	}
	key := getenv("PORTAL_SECRET_KEY")
	if key == "" {
		return &configError{"PORTAL_SECRET_KEY", "is not set", "set it to the portal's keys: the audit chain is signed with a key derived from them"}
	}
	keys, err := secret.ParseKeyring(key)
	if err != nil {
		return &configError{"PORTAL_SECRET_KEY", "is malformed (" + err.Error() + ")", "set it to the portal's keys"}
	}
	source := "--checkpoints"
	if len(files) == 0 {
		source = "PORTAL_AUDIT_CHECKPOINTS"
		if f := strings.TrimSpace(getenv("PORTAL_AUDIT_CHECKPOINTS")); f != "" {
			files = fileList{f}
		}
	}
	pool, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	st := store.New(pool, keys)
	reports, err := st.VerifyAudit(ctx, *partner)
	if err != nil {
		return fmt.Errorf("verify audit: %w", err)
	}
	var total int64
	var broken []string
	for _, r := range reports {
		fmt.Fprintln(stdout, r.String())
		total += r.Verified
		if !r.OK {
			broken = append(broken, fmt.Sprintf("%s event %d (%s)", store.ChainName(r.PartnerID), r.BrokenSeq, r.Reason))
		}
	}
	checked := 0
	if len(files) == 0 {
		fmt.Fprintln(stdout, "no checkpoint file (PORTAL_AUDIT_CHECKPOINTS unset, no --checkpoints): a chain cut short with its head rewritten would go unnoticed")
	} else {
		var problems []string
		chains := make([]int64, 0, len(reports))
		for _, r := range reports {
			chains = append(chains, r.PartnerID)
		}
		checked, problems = checkCheckpoints(ctx, st, files, source, *partner, chains, stdout)
		broken = append(broken, problems...)
	}
	for _, a := range anchors {
		if err := st.CheckAnchor(ctx, a.partner, a.seq, a.hash); err != nil {
			broken = append(broken, err.Error())
		} else {
			fmt.Fprintf(stdout, "anchor partner %d event %d: present and unchanged\n", a.partner, a.seq)
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("audit log failed verification: %s", strings.Join(broken, "; "))
	}
	summary := fmt.Sprintf("audit log verified: %d events in %d chains", total, len(reports))
	if len(files) > 0 {
		summary += ", " + countCheckpoints(checked)
	}
	fmt.Fprintln(stdout, summary)
	return nil
}

// fileList parses repeated --checkpoints FILE flags.
type fileList []string

func (l *fileList) String() string { return strings.Join(*l, ",") }

func (l *fileList) Set(v string) error {
	if v == "" {
		return errors.New("want a file name")
	}
	*l = append(*l, v)
	return nil
}

type anchor struct {
	partner, seq int64
	hash         []byte
}

// anchorList parses repeated --expect PARTNER:SEQ:HASH flags.
type anchorList []anchor

func (l *anchorList) String() string { return fmt.Sprint(len(*l), " anchors") }

func (l *anchorList) Set(v string) error {
	parts := strings.Split(v, ":")
	if len(parts) != 3 {
		return fmt.Errorf("want PARTNER:SEQ:HASH, got %q", v)
	}
	p, err1 := strconv.ParseInt(parts[0], 10, 64)
	s, err2 := strconv.ParseInt(parts[1], 10, 64)
	h, err3 := hex.DecodeString(parts[2])
	if err1 != nil || err2 != nil || err3 != nil || len(h) != 32 {
		return fmt.Errorf("want PARTNER:SEQ:HASH (numbers and 64 hex digits), got %q", v)
	}
	*l = append(*l, anchor{p, s, h})
	return nil
}
