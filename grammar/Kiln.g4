// Kiln.g4 — the grammar of .kiln files: the model-building subset of Keras's
// Python API. Statements are logical lines; newlines inside brackets join
// lines, as in Python. Indentation is kept as a token so that the AST builder
// can group the body of a `def` or `for` under its header.
grammar Kiln;

@lexer::members {
  // Depth of open (), [] and {}: newlines and indentation inside are ignored.
  int bracketDepth = 0;
}

file : line* EOF ;

line
  : INDENT? (simpleStatement (SEMI simpleStatement)* SEMI? | compoundHeader)? NEWLINE
  ;

simpleStatement
  : importStatement
  | exprList (augAssign exprList)?        // x += 1 is reported as unsupported
  | exprList (ASSIGN exprList)+           // a = b = value; a, b = value
  | PASS
  | unsupportedStatement
  ;

augAssign : PLUS_ASSIGN | MINUS_ASSIGN | STAR_ASSIGN | SLASH_ASSIGN ;

importStatement
  : IMPORT dottedAlias (COMMA dottedAlias)*
  | FROM dottedName IMPORT (STAR | importAlias (COMMA importAlias)* COMMA?
                            | LPAREN importAlias (COMMA importAlias)* COMMA? RPAREN)
  ;
dottedAlias : dottedName (AS NAME)? ;
importAlias : NAME (AS NAME)? ;
dottedName  : NAME (DOT NAME)* ;

// Headers of blocks; the body is the following more-indented lines.
// A header with a statement after its colon is a one-line block.
compoundHeader
  : DEF NAME LPAREN parameters? RPAREN (ARROW expr)? COLON inlineBody=simpleStatement?
  | FOR exprList IN expr COLON inlineBody=simpleStatement?
  | keyword=(IF | ELIF | WHILE | WITH | CLASS) ~(NEWLINE)*
  | keyword=(ELSE | TRY | EXCEPT | FINALLY) ~(NEWLINE)*
  ;
parameters : parameter (COMMA parameter)* COMMA? ;
parameter  : (STAR | POWER)? NAME (ASSIGN expr)? ;

unsupportedStatement
  : keyword=(RETURN | DEL | GLOBAL | NONLOCAL | ASSERT | RAISE | YIELD
            | BREAK | CONTINUE) ~(NEWLINE | SEMI)*
  ;

exprList : expr (COMMA expr)* COMMA? ;

expr
  : power                                                      # powerExpr
  | op=(MINUS | PLUS) expr                                     # unaryExpr
  | expr op=(STAR | SLASH | FLOORDIV | PERCENT | AT) expr      # binaryExpr
  | expr op=(PLUS | MINUS) expr                                # binaryExpr
  | expr op=(LT | GT | LE | GE | EQ | NE | IN | IS) expr       # compareExpr
  | NOT expr                                                   # notExpr
  | expr op=(AND | OR) expr                                    # boolExpr
  | expr IF expr ELSE expr                                     # conditionalExpr
  | LAMBDA ~(COLON)* COLON expr                                # lambdaExpr
  ;

// `**` binds tighter than a unary sign on its left and looser on its right
// (-2**-1 is -(2**(-1))), as in Python. Kept out of `expr`'s left recursion:
// there, a right-associative operator makes ANTLR's prediction quadratic in
// the length of a chain.
power  : primary (POWER factor)? ;
factor : op=(MINUS | PLUS) factor | power ;

primary : atom trailer* ;

trailer
  : LPAREN arguments? RPAREN      # callTrailer
  | DOT NAME                      # attributeTrailer
  | LBRACK subscripts RBRACK      # subscriptTrailer
  ;

arguments : argument (COMMA argument)* COMMA? ;
argument
  : NAME ASSIGN expr              # keywordArgument
  | STAR expr                     # starArgument
  | POWER expr                    # starArgument
  | expr                          # positionalArgument
  ;

subscripts : subscript (COMMA subscript)* COMMA? ;
subscript  : expr | expr? COLON expr? (COLON expr?)? ;

atom
  : NAME                                                     # nameAtom
  | NUMBER                                                   # numberAtom
  | STRING+                                                  # stringAtom
  | NONE                                                     # noneAtom
  | TRUE                                                     # trueAtom
  | FALSE                                                    # falseAtom
  | ELLIPSIS                                                 # ellipsisAtom
  | LPAREN RPAREN                                            # tupleAtom
  | LPAREN expr RPAREN                                       # parenAtom
  | LPAREN expr COMMA (expr (COMMA expr)* COMMA?)? RPAREN    # tupleAtom
  | LPAREN expr FOR exprList IN expr RPAREN                  # comprehensionAtom
  | LBRACK expr FOR exprList IN expr RBRACK                  # comprehensionAtom
  | LBRACK exprList? RBRACK                                  # listAtom
  | LBRACE (dictEntry (COMMA dictEntry)* COMMA?)? RBRACE     # dictAtom
  ;
dictEntry : expr COLON expr ;

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
  ;
fragment DIGITS   : [0-9] [0-9_]* ;
fragment EXPONENT : [eE] [+-]? DIGITS ;

STRING
  : [rRbBuUfF]? ( '\'\'\'' .*? '\'\'\'' | '"""' .*? '"""'
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
EQ : '==' ; NE : '!=' ; LE : '<=' ; GE : '>=' ; LT : '<' ; GT : '>' ;
ASSIGN : '=' ;
POWER : '**' ; STAR : '*' ; FLOORDIV : '//' ; SLASH : '/' ; PERCENT : '%' ; AT : '@' ;
PLUS : '+' ; MINUS : '-' ;

NEWLINE : ( '\r'? '\n' | '\r' ) { if (bracketDepth > 0) skip(); } ;

// Leading whitespace of a logical line (a block's body); elsewhere it is skipped.
INDENT : [ \t]+ { tokenStartCharPositionInLine == 0 && bracketDepth == 0 }? ;
WS : [ \t\f]+ -> skip ;
COMMENT : '#' ~[\r\n]* -> skip ;
// A backslash joins the next line, whatever its indentation.
LINE_JOIN : '\\' [ \t]* ( '\r'? '\n' | '\r' ) [ \t]* -> skip ;

// Any other character is a lexical error reported by the parser driver.
UNKNOWN_CHAR : . ;
