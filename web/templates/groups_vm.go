package templates

// GroupsPage lists the partner's customer groups and the tags in use.
type GroupsPage struct {
	Rows    []GroupRow
	Tags    []TagLink
	CanEdit bool // may create, change and delete groups
}

// GroupRow is one group in the list.
type GroupRow struct {
	Name    string
	Rule    string // the rule in words: "Tag healthcare", "Customers of Contoso"
	Members string // "12 customers", "More than 1,000 customers"
	URL     string // the group's page
	ListURL string // the customer list filtered by the group
}

// TagLink is a tag, where it leads (the customer list filtered by it), and how many
// customers have it ("" when not counted).
type TagLink struct {
	Name  string
	URL   string
	Count string
}

// GroupPage is one group: its rule and its members.
type GroupPage struct {
	Name      string
	Rule      string
	Count     string
	Rows      []CustomerRow
	NextURL   string
	FirstURL  string
	ListURL   string // the customer list filtered by the group
	ExportURL string // the CSV export of its members
	EditURL   string // "" when the staff member may not change groups
}

// GroupFormPage creates or changes a customer group. Values hold what was typed, by field
// name; Errors the refusals, by field name ("_" for the form).
type GroupFormPage struct {
	Title       string
	Action      string
	BackURL     string
	DeleteURL   string // "" for a new group
	Kind        string
	Values      map[string]string
	Errors      map[string]string
	Tags        []Option // the tags in use, offered for a tag group
	Tiers       []Option // the resellers below the partner
	StatusOpts  []Option
	PayModeOpts []Option
	PlanOpts    []Option
	PartnerOpts []Option
	// MaxTagLength is the longest tag (store.MaxTagLength).
	MaxTagLength int
}

// TagsPanel is a customer's tags on its overview: badges, and for staff who may edit the
// customer, a form to replace them and a button to remove each.
type TagsPanel struct {
	Action  string
	CanEdit bool
	Saved   bool
	Tags    []TagLink
	Input   string // the tags as typed (comma-separated)
	Error   string
	// MaxTags and MaxTagLength are the most tags a customer has and the longest
	// (store.MaxTags, store.MaxTagLength).
	MaxTags, MaxTagLength int
}
