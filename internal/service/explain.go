package service

import (
	"fmt"

	"github.com/tierdesk/tierdesk/internal/zoom"
)

// User operations, for ExplainUserError.
const (
	OpCreate = "create"
	OpUpdate = "update"
	OpStatus = "status"
	OpRemove = "remove"
	OpMove   = "move"
)

// userCodeExplanations say what a Zoom code means for one user operation, where the general
// explanation (zoom.Explain) would be vague.
var userCodeExplanations = map[string]map[int]string{
	OpStatus: {
		200:  "Zoom does not let anyone activate or deactivate the account's owner, an admin or a Zoom Room through the API. Change the user's role in Zoom first, or leave them active.",
		1120: "This user has not accepted the invitation yet, so there is nothing to activate or deactivate. Remove the pending user instead.",
	},
	OpCreate: {
		1107: "Zoom does not accept email addresses on this domain. Use another address.",
		200:  "Zoom did not allow this user to be created: this way of creating users may need Zoom's approval (custCreate, ssoCreate), or the account's plan does not allow it.",
	},
	OpRemove: {
		200:  "Zoom does not allow this user to be removed (for example a Zoom Rooms user, or a user outside this account).",
		1107: "This user's email is on the customer's managed domain: Zoom does not let them be disassociated. Delete them instead (with the transfers you need), or leave them.",
		1117: "Zoom does not let an owner or admin be removed. Change the user's role in Zoom first.",
	},
	OpMove: {
		1107: "This user's email is on the managed domain of the account: Zoom does not let them move to another account.",
		1117: "Zoom does not let an owner or admin move to another account. Change the user's role in Zoom first.",
		1120: "A pending user (invitation not accepted) cannot be moved. Remove them and invite them in the other customer.",
	},
}

// ExplainUserError says in plain words why Zoom refused a user operation (OpCreate, ...),
// with Zoom's code and message; for anything else it is zoom.Explain.
func ExplainUserError(op string, err error) string {
	if ze, ok := zoom.AsError(err); ok {
		if text, known := userCodeExplanations[op][ze.Code]; known {
			return fmt.Sprintf("%s (Zoom code %d: %s)", text, ze.Code, ze.Message)
		}
	}
	return zoom.Explain(err)
}
