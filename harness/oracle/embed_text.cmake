# cmake -DIN=file -DOUT=file.cpp -DNAME=display/name -P embed_text.cmake
# Writes a C++ source holding IN's text as dt::oracle::detail::kShippedExpectedRules (a raw
# string literal), and NAME, the path errors name, as kShippedExpectedRulesName.
file(READ "${IN}" text)
set(delim "dt_embedded_yaml")
string(FIND "${text}" ")${delim}\"" clash)
if(NOT clash EQUAL -1)
  message(FATAL_ERROR "${IN} contains the raw-string delimiter )${delim}\"")
endif()
set(out "// Generated from ${NAME} by harness/oracle/embed_text.cmake: do not edit.\n")
string(APPEND out "namespace dt::oracle::detail {\n")
string(APPEND out "extern const char* const kShippedExpectedRules;\n")
string(APPEND out "extern const char* const kShippedExpectedRulesName;\n")
string(APPEND out "const char* const kShippedExpectedRules = R\"${delim}(${text})${delim}\";\n")
string(APPEND out "const char* const kShippedExpectedRulesName = \"${NAME}\";\n")
string(APPEND out "}  // namespace dt::oracle::detail\n")
file(WRITE "${OUT}" "${out}")
