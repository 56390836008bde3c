#pragma once
// dt_report: what a campaign found, for people (text, HTML) and for CI (JUnit, JSON, exit code).
#include "report/baseline.hpp"
#include "report/classify.hpp"
#include "report/html.hpp"
#include "report/junit.hpp"
#include "report/summary.hpp"
