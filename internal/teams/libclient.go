package teams

import (
	"context"
	"net/http"
	"net/url"
	"time"

	"github.com/infracloudio/msbotbuilder-go/connector/client"
	"github.com/infracloudio/msbotbuilder-go/schema"
)

// libraryCallTimeout bounds a call made through the library's client.Client
// interface, whose methods take no context.
const libraryCallTimeout = 30 * time.Second

// Post implements the library's client.Client, so a Connector can fill
// core.BotFrameworkAdapter's Client field in place of the library's
// ConnectorClient (see Connector for what that one gets wrong). The
// interface carries no context, so each call gets a bounded one.
func (c *Connector) Post(u url.URL, a schema.Activity) error {
	return c.libraryCall(http.MethodPost, "library.post", u, a)
}

// Put implements client.Client (the library's UpdateActivity).
func (c *Connector) Put(u url.URL, a schema.Activity) error {
	return c.libraryCall(http.MethodPut, "library.put", u, a)
}

// Delete implements client.Client (the library's DeleteActivity).
func (c *Connector) Delete(u url.URL, a schema.Activity) error {
	return c.libraryCall(http.MethodDelete, "library.delete", u, nil)
}

func (c *Connector) libraryCall(verb, method string, u url.URL, body any) error {
	ctx, cancel := context.WithTimeout(context.Background(), libraryCallTimeout)
	defer cancel()
	return c.do(ctx, method, verb, u.String(), body, nil)
}

var _ client.Client = (*Connector)(nil)
