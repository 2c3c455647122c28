package handlers

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/tierdesk/tierdesk/internal/paths"
	"github.com/tierdesk/tierdesk/internal/policy"
	"github.com/tierdesk/tierdesk/internal/store"
	"github.com/tierdesk/tierdesk/web/templates"
)

// tagLinks are tags as badges leading to the customer list filtered by each.
func tagLinks(tags []string) []templates.TagLink {
	var out []templates.TagLink
	for _, t := range tags {
		out = append(out, templates.TagLink{Name: t, URL: paths.CustomersWithTag(t)})
	}
	return out
}

func tagsPanel(c store.Customer, canEdit bool) templates.TagsPanel {
	return templates.TagsPanel{Action: paths.CustomerTags(c.ZoomAccountID), CanEdit: canEdit, Tags: tagLinks(c.Tags), Input: strings.Join(c.Tags, ", "),
		MaxTags: store.MaxTags, MaxTagLength: store.MaxTagLength}
}

// splitTags splits comma-separated tags.
func splitTags(s string) []string {
	return strings.Split(s, ",")
}

// saveCustomerTags changes a customer's tags (POST /customers/{accountId}/tags): "remove"
// takes one tag off, "add" adds some, otherwise "tags" replaces them all (comma-separated).
// With htmx it answers the panel (a refusal keeps what was typed and says why); without
// JavaScript it goes back to the customer's page.
func (h *Handlers) saveCustomerTags(w http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	c, err := h.customerTarget(r, chi.URLParam(r, "accountId"), policy.EditCustomer)
	if err != nil {
		return err
	}
	a := staffFrom(r.Context())
	typed := r.PostFormValue("tags")
	var tags []string
	switch {
	case r.PostForm.Has("remove"):
		remove, _ := store.NormalizeTag(r.PostFormValue("remove"))
		tags = slices.DeleteFunc(slices.Clone(c.Tags), func(t string) bool { return t == remove })
		typed = strings.Join(tags, ", ")
	case r.PostForm.Has("add"):
		tags = append(slices.Clone(c.Tags), splitTags(r.PostFormValue("add"))...)
		typed = strings.Join(tags, ", ")
	default:
		tags = splitTags(typed)
	}
	saved, err := h.store.SetCustomerTags(r.Context(), a.Partner.ID, c.ID, tags, h.requestEvent(r))
	var verr *store.ValidationError
	if errors.As(err, &verr) {
		if r.Header.Get("HX-Request") == "true" {
			panel := tagsPanel(c, true)
			panel.Input, panel.Error = typed, verr.Fields["tags"]
			h.render(w, r, http.StatusOK, templates.CustomerTags(panel))
			return nil
		}
		h.flash(r.Context(), "bad", "The tags were not saved: "+verr.Fields["tags"])
		http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
		return nil
	} else if err != nil {
		return err
	}
	if r.Header.Get("HX-Request") == "true" {
		panel := tagsPanel(saved, true)
		panel.Saved = true
		h.render(w, r, http.StatusOK, templates.CustomerTags(panel))
		return nil
	}
	h.flash(r.Context(), "ok", "Tags saved.")
	http.Redirect(w, r, paths.Customer(c.ZoomAccountID), http.StatusSeeOther)
	return nil
}
