// Package service is the layer between the pages and jobs and Zoom and the store: it owns
// every change Tierdesk makes at Zoom and the rules of reading it.
package service
