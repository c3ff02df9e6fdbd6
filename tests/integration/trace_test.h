// A test that builds one nsys-shaped fixture trace (TraceBuilder), then opens
// it with the extension loaded: t() adds rows, Open() closes the builder and
// returns the loaded connection.
#pragma once
#include <gtest/gtest.h>

#include <memory>

#include "harness.h"

namespace nsysexplain::testing {

class TraceTest : public ::testing::Test {
 protected:
  TraceTest() : trace_(std::make_unique<TraceBuilder>(path_.path())) {}
  TraceBuilder& t() { return *trace_; }
  Conn& Open() {
    trace_->Close();
    conn_ = std::make_unique<Conn>(path_.path());
    EXPECT_EQ(conn_->Load(), "");
    return *conn_;
  }

  TempPath path_;
  std::unique_ptr<TraceBuilder> trace_;
  std::unique_ptr<Conn> conn_;
};

}  // namespace nsysexplain::testing
