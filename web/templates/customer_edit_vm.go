package templates

// Hidden is a form field carried through a confirmation.
type Hidden struct{ Name, Value string }

// ConfirmPage asks to confirm a change that costs money or access before it is sent.
type ConfirmPage struct {
	Head      CustomerHead
	Title     string
	Lines     []string // what will happen, in plain words
	Action    string   // the form's URL
	Fields    []Hidden
	Button    string
	Danger    bool
	CancelURL string
	Reasons   []Option // when set, a reason to choose (and a comment) goes with the confirmation
}

// PlanRow is one plan or add-on.
type PlanRow struct {
	Kind, Type, Hosts, Status, Next string
	Cancelable                      bool
}

// UsageRow is one line of plan usage.
type UsageRow struct {
	Kind, Type string
	Hosts      int
	Usage      int
}

// PlansTabPage is a customer's plans and usage, with the forms to change them.
type PlansTabPage struct {
	Head       CustomerHead
	Rows       []PlanRow
	Usage      []UsageRow
	Note       string
	UsageNote  string
	HasBase    bool
	CanEdit    bool
	BasePlans  []Option          // the base plans the forms offer (subscribe, change the base plan)
	AddonPlans []Option          // the add-ons the add-on form offers
	Form       map[string]string // values of the last submitted form
	Errors     map[string]string
	FormName   string // which form the errors belong to
}

// ActivityTabPage is the audit events about one customer.
type ActivityTabPage struct {
	Head     CustomerHead
	Rows     []AuditRow
	OlderURL string
	AllURL   string
}

// CustomerFormPage is a change form about one customer (options, owner, disassociation).
type CustomerFormPage struct {
	Head   CustomerHead
	Form   map[string]string
	Errors map[string]string
}

// NewCustomerPage is the form that creates a customer.
type NewCustomerPage struct {
	Form   map[string]string
	Errors map[string]string
	Notice string
}
