package admin

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
)

// After an action the browser is redirected (303, so a reload does not
// repeat the POST) to a page whose query names what was done. The message
// is chosen from a fixed set, never echoed from the query, so a crafted
// link cannot put words on the admin page.
func flash(r *http.Request) string {
	q := r.URL.Query()
	format := flashFormat(q.Get("done"))
	id, err := strconv.ParseInt(q.Get("id"), 10, 64)
	if format == "" || err != nil {
		return ""
	}
	return fmt.Sprintf(format, id)
}

func flashFormat(done string) string {
	switch done {
	case "approved":
		return "Held message %d approved."
	case "rejected":
		return "Held message %d rejected."
	case "released":
		return "Held reply %d released: it goes out at its schedule's next slot."
	case "dropped":
		return "Held reply %d dropped: it will not be relayed."
	case "retried":
		return "Delivery %d will be retried now."
	case "cancelled":
		return "Delivery %d cancelled."
	case "closed":
		return "Invitation %d closed: no more reminders go out for it."
	case "reopened":
		return "Invitation %d reopened."
	case "confirmed":
		return "The deadline of invitation %d is confirmed: reminders go out for it."
	case "deadline":
		return "The deadline of invitation %d is set."
	case "deadline-removed":
		return "The deadline of invitation %d is removed."
	}
	return ""
}

func redirectDone(w http.ResponseWriter, r *http.Request, page, done string, id int64) {
	q := url.Values{"done": {done}, "id": {strconv.FormatInt(id, 10)}}
	http.Redirect(w, r, page+"?"+q.Encode(), http.StatusSeeOther)
}
