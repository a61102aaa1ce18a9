package pgrole

// ScramVerifier exposes scramVerifier (a chosen salt) to the external tests.
var ScramVerifier = scramVerifier
