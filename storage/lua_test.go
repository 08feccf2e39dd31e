package storage

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	lua "github.com/yuin/gopher-lua"
	"github.com/yuin/gopher-lua/ast"
	"github.com/yuin/gopher-lua/parse"
)

// luaGlobals are the globals Redis gives a script; anything else a script
// reads as a global is a helper it forgot to define (or misspelt), which
// Redis reports only when that line runs.
var luaGlobals = []string{"KEYS", "ARGV", "redis", "string", "table", "math", "bit", "cjson", "cmsgpack", "struct",
	"tonumber", "tostring", "type", "pairs", "ipairs", "unpack", "select", "next", "error", "pcall", "assert",
	"rawget", "rawset", "setmetatable", "getmetatable"}

// compileLua compiles src (Lua 5.1, as Redis runs it) with gopher-lua.
func compileLua(name, src string) (*lua.FunctionProto, error) {
	chunk, err := parse.Parse(strings.NewReader(src), name)
	if err != nil {
		return nil, err
	}
	return lua.Compile(chunk, name)
}

// eachInstruction calls f with every instruction of p and of the functions
// in it: its opcode, the proto and its position.
func eachInstruction(p *lua.FunctionProto, f func(op int, inst uint32, p *lua.FunctionProto, pc int)) {
	for pc, inst := range p.Code {
		f(int(inst>>26), inst, p, pc) // gopher-lua's layout: opcode, A, then B/C or Bx
	}
	for _, c := range p.FunctionPrototypes {
		eachInstruction(c, f)
	}
}

func lineOf(p *lua.FunctionProto, pc int) int {
	if pc < len(p.DbgSourcePositions) {
		return p.DbgSourcePositions[pc]
	}
	return 0
}

// globalsOf lists each global src reads or writes that is not in allowed,
// with its line.
func globalsOf(name, src string, allowed []string) ([]string, error) {
	proto, err := compileLua(name, src)
	if err != nil {
		return nil, err
	}
	var bad []string
	eachInstruction(proto, func(op int, inst uint32, p *lua.FunctionProto, pc int) {
		if op != lua.OP_GETGLOBAL && op != lua.OP_SETGLOBAL {
			return
		}
		g := p.Constants[int(inst&0x3ffff)].String()
		switch {
		case op == lua.OP_SETGLOBAL:
			bad = append(bad, fmt.Sprintf("sets global %s (line %d)", g, lineOf(p, pc)))
		case !slices.Contains(allowed, g):
			bad = append(bad, fmt.Sprintf("reads undefined %s (line %d)", g, lineOf(p, pc)))
		}
	})
	return bad, nil
}

// Every script compiles and reads only names it defines or Redis gives: a
// helper left out of a script's prelude, or misspelt on a path no test
// takes, fails here rather than in production.
func TestScriptsDefineWhatTheyUse(t *testing.T) {
	if len(luaSources) < 20 {
		t.Fatalf("%d scripts registered; every script is made with newScript", len(luaSources))
	}
	for _, s := range luaSources {
		bad, err := globalsOf(s.name, s.src, luaGlobals)
		if err != nil {
			t.Errorf("%s: %v", s.name, err)
		}
		for _, b := range bad {
			t.Errorf("%s: %s", s.name, b)
		}
	}
}

// overlappingAssigns lists the multiple assignments of src whose right side
// reads a name assigned to its left (a, b = b, a): gopher-lua 1.1.1,
// memory://'s Lua, assigns left to right as it goes (it makes a, b = b, a
// into b, b), so such a statement means one thing on Redis and another on
// memory://. (sum, n = sum + x, n + 1 is the same either way.)
func overlappingAssigns(name, src string) ([]string, error) {
	chunk, err := parse.Parse(strings.NewReader(src), name)
	if err != nil {
		return nil, err
	}
	var bad []string
	walkAST(reflect.ValueOf(chunk), func(n any) {
		a, ok := n.(*ast.AssignStmt)
		if !ok || len(a.Lhs) < 2 {
			return
		}
		// Right side j sees left sides 0..j-1 already assigned.
		var before []string
		for j, e := range a.Lhs {
			if j < len(a.Rhs) {
				walkAST(reflect.ValueOf(a.Rhs[j]), func(n any) {
					if id, ok := n.(*ast.IdentExpr); ok && slices.Contains(before, id.Value) {
						bad = append(bad, fmt.Sprintf("line %d reads %s after assigning it in the same statement", a.Line(), id.Value))
					}
				})
			}
			if id, ok := e.(*ast.IdentExpr); ok {
				before = append(before, id.Value)
			}
		}
	})
	return bad, nil
}

// walkAST calls f with every node (pointer) of a gopher-lua syntax tree.
func walkAST(v reflect.Value, f func(any)) {
	switch v.Kind() {
	case reflect.Interface:
		if !v.IsNil() {
			walkAST(v.Elem(), f)
		}
	case reflect.Pointer:
		if !v.IsNil() {
			f(v.Interface())
			walkAST(v.Elem(), f)
		}
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				walkAST(v.Field(i), f)
			}
		}
	case reflect.Slice:
		for i := range v.Len() {
			walkAST(v.Index(i), f)
		}
	}
}

// No script has a multiple assignment that memory:// would run differently
// from Redis (overlappingAssigns).
func TestScriptsAssignOneThingAtATime(t *testing.T) {
	for _, s := range luaSources {
		bad, err := overlappingAssigns(s.name, s.src)
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			t.Errorf("%s: %s", s.name, b)
		}
	}
	bad, _ := overlappingAssigns("t", "local a, b, c = 1, 2, 3\na, b = b, a\nc, a = c + 1, a + 2\nfor i = 1, 2 do\n  b, c = c + 1, b\nend")
	if want := []string{"line 2 reads a after assigning it in the same statement", "line 5 reads b after assigning it in the same statement"}; !slices.Equal(bad, want) {
		t.Errorf("overlappingAssigns = %q, want %q", bad, want)
	}
}

// The check itself finds an undefined helper and a global write.
func TestGlobalsOfFindsWhatIsUndefined(t *testing.T) {
	bad, err := globalsOf("t", "local function f(x) return num(x) end\nif KEYS[1] then y = 1 end\nreturn f(ARGV[1]), string.len('a')", luaGlobals)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"sets global y (line 2)", "reads undefined num (line 1)"} // the chunk, then the functions in it
	if !slices.Equal(bad, want) {
		t.Errorf("globalsOf = %q, want %q", bad, want)
	}
}
