package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
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
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	url := getenv("DATABASE_URL")
	if url == "" {
		return &configError{"DATABASE_URL", "is not set", "set it to the portal's PostgreSQL URL"}
	}
	pool, err := store.Open(ctx, url)
	if err != nil {
		return err
	}
	defer pool.Close()
	// Verifying reads no secrets; a throwaway key satisfies the store.
	keys, _ := secret.ParseKeyring(secret.NewKey("verify"))
	reports, err := store.New(pool, keys).VerifyAudit(ctx, *partner)
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
	if len(broken) > 0 {
		return fmt.Errorf("audit chain broken: %s", strings.Join(broken, "; "))
	}
	fmt.Fprintf(stdout, "audit log verified: %d events in %d chains\n", total, len(reports))
	return nil
}
