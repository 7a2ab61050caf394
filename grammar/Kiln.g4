// Kiln.g4 — the grammar of .kiln files: the model-building subset of Keras's
// Python API, with the build-time Python around it (def, for, if, while,
// comprehensions, f-strings). Statements are logical lines; newlines inside
// brackets join lines, as in Python. Indentation is kept as a token so that
// the AST builder can group the body of a block under its header.
grammar Kiln;

@lexer::members {
  // Depth of open (), [] and {}: newlines and indentation inside are ignored.
  int bracketDepth = 0;
}

file : line* EOF ;

// The expression inside an f-string's braces, parsed on its own.
embeddedExpr : exprList EOF ;

line
  : INDENT? (decorator | simpleStatements | compoundHeader)? NEWLINE
  ;

simpleStatements : simpleStatement (SEMI simpleStatement)* SEMI? ;

decorator : AT expr ;

simpleStatement
  : importStatement                                     # importStmt
  | exprList COLON expr (ASSIGN exprList)?              # annotatedStmt
  | exprList augAssign exprList                         # augAssignStmt
  | exprList (ASSIGN exprList)*                         # exprStmt
  | PASS                                                # passStmt
  | BREAK                                               # breakStmt
  | CONTINUE                                            # continueStmt
  | RETURN exprList?                                    # returnStmt
  | ASSERT expr (COMMA expr)?                           # assertStmt
  | DEL exprList                                        # delStmt
  | RAISE (expr (FROM expr)?)?                          # raiseStmt
  | keyword=(GLOBAL | NONLOCAL | YIELD) ~(NEWLINE | SEMI)*  # unsupportedStmt
  ;

augAssign
  : PLUS_ASSIGN | MINUS_ASSIGN | STAR_ASSIGN | SLASH_ASSIGN | FLOORDIV_ASSIGN | PERCENT_ASSIGN
  | POWER_ASSIGN | AT_ASSIGN | AMP_ASSIGN | PIPE_ASSIGN | CARET_ASSIGN | LSHIFT_ASSIGN | RSHIFT_ASSIGN
  ;

importStatement
  : IMPORT dottedAlias (COMMA dottedAlias)*
  | FROM (DOT* dottedName | DOT+) IMPORT (STAR | importAlias (COMMA importAlias)* COMMA?
                                  | LPAREN importAlias (COMMA importAlias)* COMMA? RPAREN)
  ;
dottedAlias : dottedName (AS NAME)? ;
importAlias : NAME (AS NAME)? ;
dottedName  : NAME (DOT NAME)* ;

// Headers of blocks; the body is the following more-indented lines, or the
// statements after the colon on the same line.
compoundHeader
  : DEF NAME LPAREN parameters? RPAREN (ARROW expr)? COLON simpleStatements?   # defHeader
  | CLASS NAME (LPAREN arguments? RPAREN)? COLON simpleStatements?            # classHeader
  | FOR targetList IN exprList COLON simpleStatements?                        # forHeader
  | keyword=(IF | ELIF | WHILE) expr COLON simpleStatements?                  # conditionHeader
  | ELSE COLON simpleStatements?                                              # elseHeader
  | WITH withItem (COMMA withItem)* COLON simpleStatements?                   # withHeader
  | TRY COLON simpleStatements?                                               # tryHeader
  | EXCEPT (expr (AS NAME)?)? COLON simpleStatements?                         # exceptHeader
  | FINALLY COLON simpleStatements?                                           # finallyHeader
  ;
withItem : expr (AS primary)? ;

// def parameters: annotations are accepted and not evaluated.
parameters : parameter (COMMA parameter)* COMMA? ;
parameter
  : NAME (COLON expr)? (ASSIGN expr)?     # plainParameter
  | STAR (NAME (COLON expr)?)?            # starParameter
  | POWER NAME (COLON expr)?              # kwargsParameter
  | SLASH                                 # positionalOnlyMarker
  ;
lambdaParameters : lambdaParameter (COMMA lambdaParameter)* COMMA? ;
lambdaParameter
  : NAME (ASSIGN expr)?                   # plainLambdaParameter
  | STAR NAME?                            # starLambdaParameter
  | POWER NAME                            # kwargsLambdaParameter
  ;

// Assignment targets of `for` and comprehensions: names, attributes,
// subscripts and (nested) tuples or lists of them.
targetList : target (COMMA target)* COMMA? ;
target : STAR? primary ;

exprList : starExpr (COMMA starExpr)* COMMA? ;
starExpr : STAR? expr ;

// An expression: a conditional, a lambda, or an operation. The conditional
// and `**` recurse to the right through their own rules: a right-associative
// operator in the left recursion below would make ANTLR's prediction
// quadratic in the length of a chain.
expr
  : operation (IF operation ELSE expr)?                             # plainExpr
  | LAMBDA lambdaParameters? COLON expr                             # lambdaExpr
  ;

// Python's binary and unary operators, tightest first.
operation
  : power                                                           # powerExpr
  | op=(MINUS | PLUS | TILDE) operation                             # unaryExpr
  | operation op=(STAR | SLASH | FLOORDIV | PERCENT | AT) operation # binaryExpr
  | operation op=(PLUS | MINUS) operation                           # binaryExpr
  | operation op=(LSHIFT | RSHIFT) operation                        # binaryExpr
  | operation op=AMP operation                                      # binaryExpr
  | operation op=CARET operation                                    # binaryExpr
  | operation op=PIPE operation                                     # binaryExpr
  | operation compareOp operation                                   # compareExpr
  | NOT operation                                                   # notExpr
  | operation op=AND operation                                      # boolExpr
  | operation op=OR operation                                       # boolExpr
  ;
// `is not` before `is`: `a is not b` is never `a is (not b)`.
compareOp : LT | GT | EQ | GE | LE | NE | IN | NOT IN | IS NOT | IS ;

// `**` binds tighter than a unary sign on its left and looser on its right
// (-2**-1 is -(2**(-1))), as in Python.
power  : primary (POWER factor)? ;
factor : op=(MINUS | PLUS | TILDE) factor | power ;

primary : atom trailer* ;

trailer
  : LPAREN arguments? RPAREN      # callTrailer
  | DOT NAME                      # attributeTrailer
  | LBRACK subscripts RBRACK      # subscriptTrailer
  ;

arguments : argument (COMMA argument)* COMMA? ;
argument
  : NAME ASSIGN expr              # keywordArgument
  | op=(STAR | POWER) expr        # starArgument
  | expr compFor+                 # generatorArgument
  | expr                          # positionalArgument
  ;

subscripts : subscript (COMMA subscript)* COMMA? ;
subscript  : expr | expr? COLON expr? (COLON expr?)? ;

compFor : FOR targetList IN operation compIf* ;
compIf : IF operation ;

atom
  : NAME                                                          # nameAtom
  | NUMBER                                                        # numberAtom
  | STRING+                                                       # stringAtom
  | NONE                                                          # noneAtom
  | TRUE                                                          # trueAtom
  | FALSE                                                         # falseAtom
  | ELLIPSIS                                                      # ellipsisAtom
  | LPAREN RPAREN                                                 # tupleAtom
  | LPAREN expr RPAREN                                            # parenAtom
  | LPAREN starExpr COMMA (starExpr (COMMA starExpr)* COMMA?)? RPAREN   # tupleAtom
  | LPAREN expr compFor+ RPAREN                                   # generatorAtom
  | LBRACK expr compFor+ RBRACK                                   # listCompAtom
  | LBRACK (starExpr (COMMA starExpr)* COMMA?)? RBRACK            # listAtom
  | LBRACE dictEntry compFor+ RBRACE                              # dictCompAtom
  | LBRACE (dictEntry (COMMA dictEntry)* COMMA?)? RBRACE          # dictAtom
  | LBRACE expr compFor+ RBRACE                                   # setCompAtom
  | LBRACE starExpr (COMMA starExpr)* COMMA? RBRACE               # setAtom
  ;
dictEntry : expr COLON expr | POWER expr ;

// ---------------------------------------------------------------- lexer

DEF : 'def' ; FOR : 'for' ; IN : 'in' ; IF : 'if' ; ELIF : 'elif' ; ELSE : 'else' ;
WHILE : 'while' ; WITH : 'with' ; CLASS : 'class' ; TRY : 'try' ; EXCEPT : 'except' ;
FINALLY : 'finally' ; RETURN : 'return' ; DEL : 'del' ; GLOBAL : 'global' ;
NONLOCAL : 'nonlocal' ; ASSERT : 'assert' ; RAISE : 'raise' ; YIELD : 'yield' ;
BREAK : 'break' ; CONTINUE : 'continue' ; LAMBDA : 'lambda' ; PASS : 'pass' ;
IMPORT : 'import' ; FROM : 'from' ; AS : 'as' ; NOT : 'not' ; AND : 'and' ;
OR : 'or' ; IS : 'is' ; NONE : 'None' ; TRUE : 'True' ; FALSE : 'False' ;

NAME : [a-zA-Z_] [a-zA-Z_0-9]* ;

NUMBER
  : DIGITS ('.' DIGITS?)? EXPONENT?
  | '.' DIGITS EXPONENT?
  | '0' [xX] [0-9a-fA-F_]+
  | '0' [oO] [0-7_]+
  | '0' [bB] [01_]+
  ;
fragment DIGITS   : [0-9] [0-9_]* ;
fragment EXPONENT : [eE] [+-]? DIGITS ;

// Prefixes: r (raw), b, u, f (formatted), and the pairs rb, br, fr, rf.
STRING
  : ( [rRbBuUfF] | [rR] [bBfF] | [bBfF] [rR] )?
    ( '\'\'\'' ( '\\' . | . )*? '\'\'\'' | '"""' ( '\\' . | . )*? '"""'
    | '\'' ( '\\' . | ~['\\\r\n] )* '\''
    | '"' ( '\\' . | ~["\\\r\n] )* '"' )
  ;

LPAREN : '(' { ++bracketDepth; } ;
RPAREN : ')' { if (bracketDepth > 0) --bracketDepth; } ;
LBRACK : '[' { ++bracketDepth; } ;
RBRACK : ']' { if (bracketDepth > 0) --bracketDepth; } ;
LBRACE : '{' { ++bracketDepth; } ;
RBRACE : '}' { if (bracketDepth > 0) --bracketDepth; } ;

ELLIPSIS : '...' ;
DOT : '.' ; COMMA : ',' ; COLON : ':' ; SEMI : ';' ; ARROW : '->' ;
PLUS_ASSIGN : '+=' ; MINUS_ASSIGN : '-=' ; STAR_ASSIGN : '*=' ; SLASH_ASSIGN : '/=' ;
FLOORDIV_ASSIGN : '//=' ; PERCENT_ASSIGN : '%=' ; POWER_ASSIGN : '**=' ; AT_ASSIGN : '@=' ;
AMP_ASSIGN : '&=' ; PIPE_ASSIGN : '|=' ; CARET_ASSIGN : '^=' ; LSHIFT_ASSIGN : '<<=' ; RSHIFT_ASSIGN : '>>=' ;
EQ : '==' ; NE : '!=' ; LE : '<=' ; GE : '>=' ; LSHIFT : '<<' ; RSHIFT : '>>' ; LT : '<' ; GT : '>' ;
ASSIGN : '=' ;
POWER : '**' ; STAR : '*' ; FLOORDIV : '//' ; SLASH : '/' ; PERCENT : '%' ; AT : '@' ;
PLUS : '+' ; MINUS : '-' ; TILDE : '~' ; AMP : '&' ; PIPE : '|' ; CARET : '^' ;

NEWLINE : ( '\r'? '\n' | '\r' ) { if (bracketDepth > 0) skip(); } ;

// Leading whitespace of a logical line is INDENT (a block's body); elsewhere
// it is skipped. An action, not a predicate: predicates keep the lexer off
// its DFA, which costs microseconds per character.
INDENT : [ \t\f]+ { if (tokenStartCharPositionInLine != 0 || bracketDepth > 0) skip(); } ;
COMMENT : '#' ~[\r\n]* -> skip ;
// A backslash joins the next line, whatever its indentation.
LINE_JOIN : '\\' [ \t]* ( '\r'? '\n' | '\r' ) [ \t]* -> skip ;

// Any other character is a lexical error reported by the parser driver.
UNKNOWN_CHAR : . ;
