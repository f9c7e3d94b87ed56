// Package experiment owns A/B answer variants: which answer of an intent a customer gets.
package experiment
