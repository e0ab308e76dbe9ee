package delivery

import "net/http"

// testClient makes the tests' own HTTP requests on a transport of its own.
// httptest.Server.Close closes the idle connections of
// http.DefaultTransport, which can fail a request that a parallel test is
// making on it at that moment ("http: CloseIdleConnections called").
var testClient = &http.Client{Transport: &http.Transport{}}
