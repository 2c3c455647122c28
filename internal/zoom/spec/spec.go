// Package spec is Zoom's published shapes of settings and users: every field of account
// settings, lock settings and user settings (each `option` variant), of the user object and
// of the list-users page, with its JSON type and enum values. The tables (catalogue_gen.go)
// are generated from the TypeScript types of Zoom's own SDK, @zoom/rivet, which Zoom generates
// from its OpenAPI document; testdata/rivet holds the copy the generator reads and its README
// says where it came from. The primary account API's answers (sub accounts, billing contact,
// plans), the error body and the token answer, for which the SDK has no types, are written by
// hand in the same TypeScript form from Zoom's documentation (testdata/primary), so that every
// answer the sandbox gives has a shape to be checked against.
//
// The sandbox answers and checks with these tables and the portal offers and checks settings
// with them, so neither can drift from Zoom's shapes: a setting Zoom does not have cannot be
// sent, shown or emulated.
//
// Paths are dotted: "in_meeting.chat", "security.password_requirement.minimum_password_length";
// the fields of an array's object elements are under "[]":
// "meeting_security.chat_etiquette_tool.policies[].id".
//
// Options: the variants of Zoom's settings unions line up with the endpoints' ?option= values
// (see gen.variantOption for how each is recognised):
//
//   - "": the plain GET (and PATCH) without option;
//   - "meeting_authentication", "recording_authentication", "meeting_security": those options;
//   - "security" (account settings only): the security section of the plain variant, alone;
//     Zoom's type folds it into the plain variant, and the option answers just that section;
//   - "videosdk" (account settings): the shape a Video SDK account answers; no option value
//     selects it;
//   - "authentication_options" (user settings GET): both authentication settings nested under
//     one object; Zoom's query type has no option value for it.
//
// Catalogue.Options(true) lists the ones an endpoint takes; HasOption checks one.
package spec

//go:generate go run ./gen

import (
	"strconv"
	"strings"
)

// Type is the JSON type of a field.
type Type uint8

// The JSON types of fields. Number is TypeScript's number: Zoom's types do not say which are
// integers.
const (
	Bool   Type = iota + 1 // true or false
	Number                 // a JSON number
	String                 // a JSON string
	Object                 // an object whose fields are listed
	Array                  // an array of Field.Elem
	Opaque                 // an object whose fields Zoom does not publish ("object")
)

// String names the type as messages show it.
func (t Type) String() string {
	switch t {
	case Bool:
		return "boolean"
	case Number:
		return "number"
	case String:
		return "string"
	case Object:
		return "object"
	case Array:
		return "array"
	case Opaque:
		return "object"
	}
	return "unknown"
}

// Field is one field of a shape.
type Field struct {
	Option   string   // the option variant that holds it ("" = the plain GET/PATCH)
	Path     string   // dotted; the fields of an array's object elements are under "path[]"
	Type     Type     // its JSON type
	Elem     Type     // for an Array, the type of its elements
	Enum     []string // the values allowed (of the field, or of an Array's elements), if enumerated
	Required bool     // Zoom's type declares it without "?"
}

// Section is the first element of the path: "in_meeting" of "in_meeting.chat".
func (f Field) Section() string {
	s, _, _ := strings.Cut(f.Path, ".")
	return strings.TrimSuffix(s, "[]")
}

// Name is the last element of the path: "chat" of "in_meeting.chat".
func (f Field) Name() string {
	return f.Path[strings.LastIndexByte(f.Path, '.')+1:]
}

// Leaf reports whether the field holds a value rather than other fields (it is not an
// Object; an Array counts as a value).
func (f Field) Leaf() bool { return f.Type != Object }

// Section is one top-level field of a variant (for settings, a section such as "in_meeting").
type Section struct {
	Name     string // the field's name: "in_meeting"
	Option   string // the variant that has it ("" = the plain GET/PATCH)
	PlanOnly string // why Zoom answers it only for some accounts, "" when every account has it
}

// Catalogue is one of Zoom's shapes, variant by variant. Its methods do not change it and
// may be called from any goroutine.
type Catalogue struct {
	name     string
	fields   []Field
	options  []option
	index    map[string]*node // option + "\x00" + path
	sections []Section
}

// option is one variant: its root, and its fields as a window of Catalogue.fields.
type option struct {
	name       string
	selectable bool
	root       *node
	lo, hi     int
}

// node is a field in the tree the walkers follow: an Object's (or an Array of objects')
// fields by name.
type node struct {
	f    *Field
	kids map[string]*node
	kid  []*node   // kids in Zoom's order
	nums []float64 // Enum of a Number (or of an Array's Number elements), parsed
}

// The catalogues. The names are those CheckShape and ByKind take.
var (
	// AccountSettings is GET /accounts/{accountId}/settings.
	AccountSettings = build("account_settings", accountSettingsFields, selectableAccount)
	// AccountSettingsUpdate is the body of PATCH /accounts/{accountId}/settings.
	AccountSettingsUpdate = build("account_settings_update", accountSettingsUpdateFields, selectableAccount)
	// LockSettings is GET /accounts/{accountId}/lock_settings.
	LockSettings = build("lock_settings", lockSettingsFields, selectableLock)
	// LockSettingsUpdate is the body of PATCH /accounts/{accountId}/lock_settings.
	LockSettingsUpdate = build("lock_settings_update", lockSettingsUpdateFields, selectableLock)
	// UserSettings is GET /users/{userId}/settings.
	UserSettings = build("user_settings", userSettingsFields, selectableUser)
	// UserSettingsUpdate is the body of PATCH /users/{userId}/settings.
	UserSettingsUpdate = build("user_settings_update", userSettingsUpdateFields, selectableUser)
	// User is GET /users/{userId}.
	User = build("user", userFields, nil)
	// UserList is GET /users (a page, with the users under "users[]").
	UserList = build("user_list", userListFields, nil)
	// ManagedDomains is GET /accounts/{accountId}/managed_domains.
	ManagedDomains = build("managed_domains", managedDomainsFields, nil)
	// TrustedDomains is GET /accounts/{accountId}/trusted_domains.
	TrustedDomains = build("trusted_domains", trustedDomainsFields, nil)
	// CreatedUser is the answer to POST /users (a user created).
	CreatedUser = build("created_user", createdUserFields, nil)
	// UserEmail is GET /users/email (whether an email is taken).
	UserEmail = build("user_email", userEmailFields, nil)

	// The primary account API's answers, for which Zoom's SDK publishes no types: hand-kept
	// from Zoom's documentation (testdata/primary/README.md).

	// SubAccountList is GET /accounts (a page, with the sub accounts under "accounts[]").
	SubAccountList = build("sub_account_list", subAccountListFields, nil)
	// CreatedSubAccount is the answer to POST /accounts (a sub account created).
	CreatedSubAccount = build("created_sub_account", createdSubAccountFields, nil)
	// SubAccount is GET /accounts/{accountId}.
	SubAccount = build("sub_account", subAccountFields, nil)
	// BillingContact is GET /accounts/{accountId}/billing.
	BillingContact = build("billing_contact", billingContactFields, nil)
	// Plans is GET /accounts/{accountId}/plans, and the answers of POST …/plans and
	// POST …/plans/addons, which echo it.
	Plans = build("plans", plansFields, nil)
	// PlanUsage is GET /accounts/{accountId}/plans/usage.
	PlanUsage = build("plan_usage", planUsageFields, nil)
	// ErrorBody is the body of every error answer of the REST API.
	ErrorBody = build("error_body", errorFields, nil)
	// Token is the answer of POST /oauth/token.
	Token = build("token", tokenFields, nil)
)

// The ?option= values each endpoint takes ("" always).
var (
	selectableAccount = []string{"meeting_authentication", "recording_authentication", "security", "meeting_security"}
	selectableLock    = []string{"meeting_security"}
	selectableUser    = []string{"meeting_authentication", "recording_authentication", "meeting_security"}
)

// catalogues are the catalogues by name.
var catalogues = map[string]*Catalogue{}

func init() {
	for _, c := range []*Catalogue{AccountSettings, AccountSettingsUpdate, LockSettings, LockSettingsUpdate,
		UserSettings, UserSettingsUpdate, User, UserList, ManagedDomains, TrustedDomains, CreatedUser, UserEmail,
		SubAccountList, CreatedSubAccount, SubAccount, BillingContact, Plans, PlanUsage, ErrorBody, Token} {
		catalogues[c.name] = c
	}
}

// ByKind returns the catalogue named kind ("account_settings", "lock_settings_update",
// "user", "user_list", …: the names of the package's catalogue variables in snake case), or
// nil.
func ByKind(kind string) *Catalogue { return catalogues[kind] }

// build indexes a generated table. The table lists each variant's fields together, each
// Object before its fields, as the generator writes them.
func build(name string, fields []Field, selectable []string) *Catalogue {
	c := &Catalogue{name: name, fields: fields, index: make(map[string]*node, len(fields))}
	for i := range fields {
		f := &fields[i]
		if len(c.options) == 0 || c.options[len(c.options)-1].name != f.Option {
			c.options = append(c.options, option{name: f.Option, root: &node{kids: map[string]*node{}}, lo: i})
		}
		o := &c.options[len(c.options)-1]
		o.hi = i + 1
		n := &node{f: f}
		if f.Type == Object || f.Type == Array && f.Elem == Object {
			n.kids = map[string]*node{}
		}
		if len(f.Enum) > 0 && (f.Type == Number || f.Elem == Number) {
			for _, e := range f.Enum {
				v, err := strconv.ParseFloat(e, 64)
				if err != nil {
					panic("spec: " + name + ": " + f.Path + ": enum value " + e)
				}
				n.nums = append(n.nums, v)
			}
		}
		parent := o.root
		if j := strings.LastIndexByte(f.Path, '.'); j >= 0 {
			parent = c.index[f.Option+"\x00"+strings.TrimSuffix(f.Path[:j], "[]")]
			if parent == nil || parent.kids == nil {
				panic("spec: " + name + ": " + f.Path + " comes before its parent")
			}
		} else {
			c.sections = append(c.sections, Section{Name: f.Path, Option: f.Option, PlanOnly: planOnly(f.Path)})
		}
		parent.kids[f.Name()] = n
		parent.kid = append(parent.kid, n)
		c.index[f.Option+"\x00"+f.Path] = n
	}
	for i := range c.options {
		c.options[i].selectable = c.options[i].name == ""
	}
	for _, s := range selectable {
		if o := c.option(s); o != nil {
			o.selectable = true
			continue
		}
		// An option that answers one section of the plain variant alone ("security").
		plain := c.option("")
		sec := c.index["\x00"+s]
		if plain == nil || sec == nil {
			panic("spec: " + name + ": option " + s + " has neither a variant nor a section")
		}
		lo, hi := plain.lo, plain.lo
		for i := plain.lo; i < plain.hi; i++ {
			if fields[i].Section() == s {
				if hi == plain.lo {
					lo = i
				}
				hi = i + 1
			}
		}
		c.options = append(c.options, option{name: s, selectable: true, lo: lo, hi: hi,
			root: &node{kids: map[string]*node{s: sec}}})
	}
	return c
}

// option returns the variant called name, or nil.
func (c *Catalogue) option(name string) *option {
	for i := range c.options {
		if c.options[i].name == name {
			return &c.options[i]
		}
	}
	return nil
}

// Name is the catalogue's kind, as ByKind takes it.
func (c *Catalogue) Name() string { return c.name }

// Options lists the catalogue's variants, "" first; with selectable, only the ?option= values
// the endpoint takes ("" included).
func (c *Catalogue) Options(selectable bool) []string {
	var out []string
	for _, o := range c.options {
		if !selectable || o.selectable {
			out = append(out, o.name)
		}
	}
	return out
}

// HasOption reports whether the endpoint takes ?option=name ("" always).
func (c *Catalogue) HasOption(name string) bool {
	o := c.option(name)
	return o != nil && o.selectable
}

// Fields returns the fields of one variant, in Zoom's order, each Object before its fields.
// The slice is the catalogue's own: do not change it. An unknown option has none.
func (c *Catalogue) Fields(opt string) []Field {
	o := c.option(opt)
	if o == nil {
		return nil
	}
	return c.fields[o.lo:o.hi:o.hi]
}

// All returns every field of every variant (the "security" option's are the plain
// variant's). The slice is the catalogue's own: do not change it.
func (c *Catalogue) All() []Field { return c.fields[:len(c.fields):len(c.fields)] }

// Sections lists the top-level fields of each variant, in Zoom's order.
func (c *Catalogue) Sections() []Section { return c.sections }

// Lookup finds a field by path in the plain variant, else in the first variant that has it.
func (c *Catalogue) Lookup(path string) (Field, bool) {
	for _, o := range c.options {
		if f, ok := c.LookupOption(o.name, path); ok {
			return f, true
		}
	}
	return Field{}, false
}

// LookupOption finds a field by path in one variant.
func (c *Catalogue) LookupOption(opt, path string) (Field, bool) {
	o := c.option(opt)
	if o == nil {
		return Field{}, false
	}
	n := o.root
	for rest := path; rest != ""; {
		var el string
		el, rest, _ = strings.Cut(rest, ".")
		arr := strings.HasSuffix(el, "[]")
		n = n.kids[strings.TrimSuffix(el, "[]")]
		if n == nil || arr && (n.f.Type != Array || n.kids == nil) {
			return Field{}, false
		}
		if rest != "" && n.kids == nil {
			return Field{}, false
		}
		if rest != "" && n.f.Type == Array && !arr {
			return Field{}, false
		}
	}
	if n.f == nil {
		return Field{}, false
	}
	return *n.f, true
}
