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
}
