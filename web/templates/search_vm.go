package templates

// SearchPage answers "which customer owns this user?" across every tier in reach, from the
// user directories, and finds customers too.
type SearchPage struct {
	Query     string
	Searched  bool
	Customers []CustomerRow
	Users     []UserRow
	More      bool // more users than shown: refine the search
	CanSync   bool
	LastSync  *JobSummary
	// Coverage says, per partner in reach, how much of the directories a search reads.
	Coverage []DirCoverage
	// Lookup offers a live look-up at Zoom: set when the query is an email no directory has.
	Lookup *LookupOffer
}

// DirCoverage is how complete and fresh one partner's user directories are.
type DirCoverage struct {
	Partner   string
	Depth     int
	Customers int
	Read      int
	Oldest    string   // "12 minutes ago"; empty when none was read
	Unread    []string // up to 5 customers whose directory was never read
	Failing   int
	Complete  bool // every active customer's directory was read
}

// LookupOffer is the form that asks Zoom for an email the directories do not have, or the
// answer of a look-up that found nothing.
type LookupOffer struct {
	Email     string
	Customers int    // how many customers a look-up would ask about
	Total     int    // of the partner's active customers
	Answer    string // after a look-up that found nothing
	Error     string // a look-up that failed, in plain words
}
