package templates

import "time"

// WizardStep is one entry of the onboarding wizard's step bar.
type WizardStep struct {
	Key      string
	Label    string
	URL      string
	Current  bool
	Done     bool
	Disabled bool   // not needed for this customer (a plan when the customer pays Zoom)
	Note     string // why it is disabled
}

// WizardCall is one step of the saga as the review page announces it, with its Zoom calls.
type WizardCall struct {
	Step    int
	Calls   []string // "METHOD /path"
	What    string
	Details []string
	Check   string // the look-up a repeat of the step makes first
}

// WizardUser is a first user on the users step.
type WizardUser struct {
	Email string
	Name  string
	Type  string
}

// WizardPage is one page of the onboarding wizard.
type WizardPage struct {
	ID        string
	Step      string // customer, options, plan, template, users, review
	Steps     []WizardStep
	Action    string
	Prev      string // the previous step's URL, "" on the first
	Form      map[string]string
	Errors    map[string]string
	UpdatedBy string
	UpdatedAt time.Time
	// The plan step: the base plans of the catalogue.
	Plans []Option
	// The template step.
	Templates     []Option
	TemplateLines []string
	// The users step.
	Users    []WizardUser
	Licensed int
	// The review step.
	Calls     []WizardCall // every step but the users'
	UserCalls []WizardCall // one per first user, shown folded
	UsersLine string       // "Steps 5–24: create 20 users (10 licensed)"
	Problems  []WizardProblem
	Warnings  []string // what Zoom may refuse, but need not
	Summary   []Fact
}

// WizardProblem is something the review found missing, with a link to the step to fix it.
type WizardProblem struct {
	Text string
	URL  string
}

// DraftRow is an onboarding draft on the wizard's first page.
type DraftRow struct {
	URL       string
	DeleteURL string
	Name      string
	Owner     string
	Reached   string
	By        string
	UpdatedAt time.Time
}

// OnboardingStartPage lists the onboardings under way, the drafts, and starts a new one.
type OnboardingStartPage struct {
	Underway []UnderwayRow // started and not finished: those that stopped and need someone first
	Drafts   []DraftRow
}

// UnderwayRow is an onboarding that was started and has not finished.
type UnderwayRow struct {
	URL       string
	Name      string
	Owner     string
	Stopped   bool   // a step Zoom refused waits for someone
	State     string // "Stopped: needs you", "Running"
	StateKind string // the badge's kind
	Progress  string // "2 of 7 steps done"
	Where     string // a stopped one: "Step 3, Subscribe the plan: …"
	By        string
	UpdatedAt time.Time
}

// OnboardingStepView is one step of a running onboarding, on its progress page.
type OnboardingStepView struct {
	Seq      int
	Label    string
	Subject  string
	Status   string
	Badge    string
	Result   string
	Error    string
	Attempts int
	When     time.Time
	RetryURL string
	SkipURL  string
}

// OnboardingProgress is an onboarding saga's state, for its job page and its customer's page.
type OnboardingProgress struct {
	ID          string
	Status      string // running, stopped, succeeded, abandoned
	StatusText  string // the badge's words
	StatusKind  string // the badge's kind: ok, bad, warn, info
	StatusLine  string // what the status means for the reader
	Poll        bool   // the page refreshes itself while steps run
	Customer    string
	CustomerURL string
	StartedBy   string
	Started     time.Time
	Finished    time.Time
	Steps       []OnboardingStepView
	OpenSteps   []OnboardingStepView // the steps not done (skipped, failed, waiting)
	Done        int                  // steps that succeeded
	Skipped     int
	Open        int
	Total       int    // every step
	Percent     int    // Done of Total, rounded down: the bar is never fuller than the work done
	BarKind     string // the bar's colour: info (running), bad (stopped), ok (succeeded), warn (abandoned)
	StoppedAt   int    // the failed step a stopped onboarding waits at, 0 when none
	Edit        *StepEditForm
	JobURL      string
	AbandonURL  string // set when the saga is stopped and the reader may act
	CopyURL     string // set when the saga was abandoned and the reader may act
}

// AbandonPage confirms abandoning a stopped onboarding.
type AbandonPage struct {
	Progress      OnboardingProgress
	Action        string
	AccountID     string
	AccountName   string
	StepsFinished []string
}

// StepEditForm corrects the values of a step Zoom refused, on a stopped onboarding's page, and
// retries the step with them.
type StepEditForm struct {
	Seq       int
	Kind      string // create_account, subscribe_plan, apply_template or create_user
	Label     string // the step's label: "Subscribe the plan"
	Action    string
	Form      map[string]string // the step's values: as saved, or as just sent with Errors
	Errors    map[string]string
	Plans     []Option // subscribe_plan: the base plans of the catalogue
	Templates []Option // apply_template: the partner's settings templates
	UserTypes []Option // create_user: basic, licensed, unassigned
}
