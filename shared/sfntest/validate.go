package sfntest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// Problem is one finding of asl-validator: its code (such as
// MISSING_TRANSITION_TARGET or SCHEMA_VALIDATION_FAILED) and message.
type Problem struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ValidationError is asl-validator's refusal of a definition.
type ValidationError struct {
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for n, p := range e.Problems {
		lines[n] = p.Code + ": " + p.Message
	}
	return "sfntest: invalid state machine definition (asl-validator):\n  " + strings.Join(lines, "\n  ")
}

// Validate checks definition with asl-validator, ARNs and paths included,
// and returns nil, a *ValidationError listing every finding, or an error
// wrapping the *json.SyntaxError of a definition that is not JSON.
func (i *Interpreter) Validate(ctx context.Context, definition []byte) error {
	def, err := parseDefinition(definition)
	if err != nil {
		return err
	}
	r, err := i.call(ctx, "validate", map[string]any{"definition": def})
	if err != nil {
		return fmt.Errorf("sfntest: validate: %w", err)
	}
	if len(r.Problems) > 0 {
		return &ValidationError{Problems: r.Problems}
	}
	return nil
}

// parseDefinition checks that definition is one JSON value and returns it
// for a request; a syntax error names its line and column.
func parseDefinition(definition []byte) (json.RawMessage, error) {
	var v json.RawMessage
	err := json.Unmarshal(definition, &v)
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) {
		line, col := position(definition, syntax.Offset)
		return nil, fmt.Errorf("sfntest: definition is not JSON: line %d, column %d: %w", line, col, err)
	}
	if err != nil {
		return nil, fmt.Errorf("sfntest: definition is not JSON: %w", err)
	}
	return v, nil
}

// position turns a byte offset into a 1-based line and column.
func position(data []byte, offset int64) (line, col int) {
	before := data[:min(int(offset), len(data))]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n') - 1 // the offset is past the bad byte
	return line, col
}
