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

// auditCommand runs `portal audit verify [--partner ID]`: it recomputes every audit chain (or
// one partner's) and succeeds with the count verified, or fails naming the first broken event
// of each broken chain and why.
func auditCommand(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: portal audit verify [--partner ID]")
	}
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stdout)
	partner := fs.Int64("partner", 0, "verify only this partner's chain (its Tierdesk partner id)")
	var anchors anchorList
	fs.Var(&anchors, "expect", "PARTNER:SEQ:HASH of a chain head kept outside the database (an export's trailer, a logged head); repeatable")
	if err := fs.Parse(args[1:]); err != nil {
		return err
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
			broken = append(broken, fmt.Sprintf("partner %d event %d (%s)", r.PartnerID, r.BrokenSeq, r.Reason))
		}
	}
	for _, a := range anchors {
		if err := st.CheckAnchor(ctx, a.partner, a.seq, a.hash); err != nil {
			broken = append(broken, err.Error())
		} else {
			fmt.Fprintf(stdout, "anchor partner %d event %d: present and unchanged\n", a.partner, a.seq)
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("audit chain broken: %s", strings.Join(broken, "; "))
	}
	fmt.Fprintf(stdout, "audit log verified: %d events in %d chains\n", total, len(reports))
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
