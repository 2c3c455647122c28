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

// OnboardingStartPage lists the drafts and starts a new onboarding.
type OnboardingStartPage struct {
	Drafts []DraftRow
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
	Done        int
	Skipped     int
	Open        int
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
