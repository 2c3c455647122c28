package zoom

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// codeExplanations say in plain English what Zoom's error codes mean for a partner's staff
// (ZOOM_API §1, §2, §5). Explain adds Zoom's code and message.
var codeExplanations = map[int]string{
	124:  "Zoom no longer accepts Tierdesk's access for your sign-in. Sign in with Zoom again.",
	200:  "Zoom does not allow this for this account: it may need a paid plan, or your Zoom role may lack the permission.",
	300:  "Zoom rejected some of the information entered. Check the highlighted fields and try again.",
	429:  "Zoom is receiving too many requests for this account right now. Wait a moment and try again.",
	1000: "Zoom cannot change this user: they are a call-queue manager or auto-receptionist operator, or are locked.",
	1001: "That user does not exist in Zoom (they may have been deleted or moved).",
	1005: "That email address already has a Zoom account. Use another address, or ask the person to leave their current Zoom account first.",
	1009: "That email address already belongs to an active Zoom account.",
	1010: "That user belongs to another Zoom account than the one you are working in.",
	1107: "Zoom refuses this email domain, or the user is on a managed domain and cannot be removed this way.",
	1108: "Your Zoom role does not allow giving this user that type.",
	1109: "This needs the user to have a paid (licensed) Zoom seat.",
	1111: "The password is too simple: avoid runs like 'aaaaaa' or 'abcdef'/'123456'.",
	1116: "That email address is outside the domains this account may use.",
	1117: "Zoom does not allow this for an owner or admin user. Change their role first.",
	1120: "This user's invitation has expired. Remove the pending user and invite them again.",
	2000: "A paid sub account cannot be disassociated. Cancel its plans first.",
	2001: "That Zoom account does not exist or is not one of your sub accounts.",
	2010: "That plan does not exist in Zoom.",
	2033: "The account has reached its limit of Basic users. Remove or deactivate Basic users first.",
	2034: "Every paid seat of the account is taken: Zoom refuses another Licensed user. Buy more seats on the customer's Plans tab, or add the user as Basic.",
	2100: "Zoom refused the billing or plan change (for example: the sub account pays for itself, or the plan does not fit).",
	3200: "Zoom has no subscription on record for this account.",
	3201: "Zoom has no billing account on record for this account.",
	3211: "Zoom has no billing contact on record for this account.",
	3261: "The account needs a base plan before this change.",
	3412: "The account has no free licences left for this.",
	4130: "That Zoom group does not exist.",
	4700: "Tierdesk's Zoom app lacks a permission (scope) this needs. An owner must update the app's scopes, then everyone signs in again.",
	4711: "Tierdesk's Zoom app lacks a permission (scope) this needs. An owner must update the app's scopes, then everyone signs in again.",
}

// Explain returns a plain-English sentence for an error from this package, for pages to show
// (never Go's internal text): what happened and what to do, with Zoom's code and message
// where Zoom gave them, e.g. "That email address already has a Zoom account. ... (Zoom code
// 1005: Email a@b.example has already been used.)". It returns "" for a nil error.
func Explain(err error) string {
	if err == nil {
		return ""
	}
	var te *TokenError
	var oe *OutcomeUnknownError
	switch {
	case errors.As(err, &oe):
		return "Zoom did not confirm whether the change was made" + statusNote(oe.Status) +
			". Nothing will be repeated automatically: Tierdesk checks Zoom before you try again."
	case errors.As(err, &te):
		return te.Explain()
	case errors.Is(err, ErrNeedsReauth):
		if e, ok := AsError(err); ok {
			return e.Explain()
		}
		return "Your Zoom sign-in has expired or was revoked. Sign in with Zoom again."
	case errors.Is(err, ErrThrottled):
		return "Tierdesk is pacing its requests to Zoom for this account to stay within Zoom's limits, and this page could not wait long enough. Try again in a few seconds."
	}
	if e, ok := AsError(err); ok {
		return e.Explain()
	}
	if IsTimeout(err) {
		return "Zoom did not answer in time. Nothing was changed; try again in a moment."
	}
	if errors.Is(err, context.Canceled) {
		return "The request was cancelled before Zoom answered."
	}
	return "Zoom could not be reached. Try again in a moment."
}

// statusNote is " (HTTP 504)" or "".
func statusNote(status int) string {
	if status == 0 {
		return ""
	}
	return fmt.Sprintf(" (HTTP %d)", status)
}

// Explain returns a plain-English sentence for Zoom's answer, for pages to show: the meaning
// of its code (or of its HTTP status), the fields Zoom named, and Zoom's code and message.
func (e *Error) Explain() string {
	var b strings.Builder
	switch text, known := codeExplanations[e.Code]; {
	case e.Status == 429 && e.DailyLimit:
		b.WriteString("Zoom's daily limit for this kind of request is used up for this account")
		if !e.RetryAfter.IsZero() {
			fmt.Fprintf(&b, "; it resets at %s", e.RetryAfter.UTC().Format("15:04 MST on 2 Jan"))
			if d := time.Until(e.RetryAfter); d > 0 {
				fmt.Fprintf(&b, " (in %s)", roundDuration(d))
			}
		}
		b.WriteString(".")
	case e.Status == 429 && strings.Contains(strings.ToLower(e.Message), "concurrent"):
		b.WriteString("Zoom is still processing another change to this user. Wait a moment and try again.")
	case known:
		b.WriteString(text)
	case e.Status == 401:
		b.WriteString(codeExplanations[124])
	case e.Status == 403:
		b.WriteString(codeExplanations[200])
	case e.Status == 404:
		b.WriteString("Zoom could not find that.")
	case e.Status == 409:
		b.WriteString("That already exists in Zoom.")
	case e.Status == 429:
		b.WriteString(codeExplanations[429])
	case e.Status >= 500:
		b.WriteString("Zoom had a problem and did not complete the request. Try again in a moment.")
	default:
		b.WriteString("Zoom refused the request.")
	}
	if len(e.Fields) > 0 {
		b.WriteString(" Fields:")
		for i, f := range e.Fields {
			if i > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(&b, " %s (%s)", f.Field, strings.TrimSuffix(f.Message, "."))
		}
		b.WriteString(".")
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " (Zoom code %d: %s)", e.Code, e.Message)
	} else {
		fmt.Fprintf(&b, " (Zoom answered HTTP %d: %s)", e.Status, e.Message)
	}
	return b.String()
}

// Explain returns a plain-English sentence for the token endpoint's refusal.
func (e *TokenError) Explain() string {
	var s string
	switch e.ErrorCode {
	case "invalid_grant":
		s = "Zoom no longer accepts this sign-in (it expired or was revoked). Sign in with Zoom again."
	case "invalid_client":
		s = "Zoom refused the app credentials (client ID or secret). An owner must check them in Tierdesk's settings."
	case "invalid_request":
		s = "Zoom refused the sign-in request (for example a wrong account ID for Server-to-Server credentials)."
	case "unsupported_grant_type":
		s = "Zoom does not allow this kind of sign-in for the app (check that the app type matches: user OAuth or Server-to-Server)."
	default:
		s = "Zoom refused the sign-in."
	}
	if e.Reason != "" {
		return fmt.Sprintf("%s (Zoom: %s, %s)", s, e.ErrorCode, e.Reason)
	}
	return fmt.Sprintf("%s (Zoom: %s)", s, e.ErrorCode)
}

// roundDuration renders a wait like "3h12m" or "45s".
func roundDuration(d time.Duration) string {
	if d >= time.Hour {
		return strings.TrimSuffix(d.Round(time.Minute).String(), "0s")
	}
	return d.Round(time.Second).String()
}
