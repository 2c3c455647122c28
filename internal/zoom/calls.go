package zoom

import "net/http"

// Call is one of Zoom's endpoints as people read it: its method and its path with the
// placeholders Zoom documents ({accountId}, {userId}). Pages that announce what a job will send
// (the onboarding review) name calls with it, so that paths stay in this package.
type Call struct {
	Method string
	Path   string
}

// String is "METHOD /path".
func (c Call) String() string { return c.Method + " " + c.Path }

// WithOption is String with the option query a settings call goes under ("?option=…"), or
// String alone when option is empty.
func (c Call) WithOption(option string) string {
	if option == "" {
		return c.String()
	}
	return c.String() + "?option=" + option
}

func (e endpoint) call() Call { return Call{Method: e.method, Path: e.route} }

func subAccountUsers(method, suffix string) Call {
	ep, _ := usersEndpoint(method, suffix, Light, "{accountId}")
	return ep.call()
}

// The calls the onboarding saga makes, each the endpoint its client method uses.
var (
	CallListSubAccounts       = epListSubAccounts.call()
	CallCreateSubAccount      = epCreateSubAccount.call()
	CallUpdateOptions         = epUpdateOptions.call()
	CallGetPlans              = epGetPlans.call()
	CallSubscribePlans        = epSubscribePlans.call()
	CallUpdateAccountSettings = epUpdateAccountSettings.call()
	CallUpdateLockSettings    = epUpdateLockSettings.call()
	CallCreateUser            = subAccountUsers(http.MethodPost, "")
	CallGetUser               = subAccountUsers(http.MethodGet, "/{userId}")
)
