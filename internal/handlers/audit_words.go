package handlers

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/tierdesk/tierdesk/internal/audit"
	"github.com/tierdesk/tierdesk/internal/service"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/internal/zoom"
)

// eventWords is what an event did, in words: its action's label, or for an onboarding step
// which step it was, from the event's details ("Onboarding step: subscribe to Business
// (annual), 10 hosts").
func eventWords(e store.AuditEvent) string {
	if e.Action == audit.OnboardingStep {
		if w := onboardingStepWords(e.Details); w != "" {
			return w
		}
	}
	return e.Action.Words()
}

// onboardingStepWords names an onboarding step from an onboarding.step event's details
// (store.FinishStep records the step's kind, subject and result), or "" when they do not say.
func onboardingStepWords(details json.RawMessage) string {
	var d struct {
		Step    int            `json:"step"`
		Kind    string         `json:"kind"`
		Subject string         `json:"subject"`
		Status  string         `json:"status"`
		Result  map[string]any `json:"result"`
	}
	if json.Unmarshal(details, &d) != nil || d.Kind == "" {
		return ""
	}
	str := func(key string) string {
		s, _ := d.Result[key].(string)
		return s
	}
	var what string
	switch d.Kind {
	case service.StepCreateAccount:
		what = "create the sub account"
		if d.Subject != "" {
			what += " for its owner " + d.Subject
		}
	case service.StepSetOptions:
		what = "set pay mode and options"
		var parts []string
		switch str("pay_mode") {
		case zoom.PayModeMaster:
			parts = append(parts, "you pay Zoom")
		case zoom.PayModeSub:
			parts = append(parts, "the customer pays Zoom")
		}
		if renew, ok := d.Result["auto_renew"].(bool); ok {
			parts = append(parts, "auto-renew "+map[bool]string{true: "on", false: "off"}[renew])
		}
		if len(parts) > 0 {
			what += " (" + strings.Join(parts, ", ") + ")"
		}
	case service.StepSubscribePlan:
		plan := str("plan")
		if plan == "" {
			plan = d.Subject
		}
		what = "subscribe the plan"
		if plan != "" {
			what = "subscribe to " + planName(plan)
		}
		if hosts, ok := d.Result["hosts"].(float64); ok && hosts > 0 {
			what += fmt.Sprintf(", %d hosts", int(hosts))
		}
	case service.StepApplyTemplate:
		what = "apply the settings template"
		if t := str("template"); t != "" {
			what += " “" + t + "”"
		}
	case service.StepCreateUser:
		what = "create user"
		if d.Subject != "" {
			what += " " + d.Subject
		}
	default:
		what = strings.ToLower(audit.Action(d.Kind).Words())
		if d.Subject != "" {
			what += " " + d.Subject
		}
	}
	if d.Status == store.StepSkipped {
		what += " (skipped)"
	}
	return "Onboarding step: " + what
}

// planBases name the base of Zoom's plan codes ("business" of "business_annual").
var planBases = map[string]string{
	"pro": "Pro", "business": "Business", "business_plus": "Business Plus", "enterprise": "Enterprise",
	"enterprise_plus": "Enterprise Plus", "education": "Education", "zroom": "Zoom Rooms",
	"large500": "Large Meetings 500", "large1000": "Large Meetings 1000",
	"webinar500": "Webinars 500", "webinar1000": "Webinars 1000",
}

// planName is a Zoom plan code in words: "business_annual" is "Business (annual)"; a code it
// does not know stays as it is.
func planName(code string) string {
	base, period := code, ""
	for _, p := range []string{"monthly", "annual"} {
		if b, ok := strings.CutSuffix(code, "_"+p); ok {
			base, period = b, p
		}
	}
	name, ok := planBases[base]
	if !ok {
		return code
	}
	if period != "" {
		name += " (" + period + ")"
	}
	return name
}
