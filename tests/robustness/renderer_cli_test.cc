// nsys-explain-render on bad input: the wrong file, half-copied exports,
// exports with tables missing, hostile data, bad --phase-map files and bad
// flags. The process must always exit (never die of a signal) with 0, 2
// (fatal: one stderr line "nsys-explain-render: <path>: <problem>") or 64
// (usage), and never modify the trace. Skipped when the renderer is not built.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "util.h"

namespace rob {
namespace {
namespace fs = std::filesystem;

struct RunResult {
  bool signaled = false;
  int signal = 0;
  int code = -1;
  std::string out, err;
};

const std::string& Render() {
  static const std::string path = NSYSEXPLAIN_RENDER_PATH;
  return path;
}

RunResult RunRender(const std::vector<std::string>& args) {
  std::string out_path = TempPath("render_stdout.txt");
  std::string err_path = TempPath("render_stderr.txt");
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int in = open("/dev/null", O_RDONLY);
    dup2(o, 1);
    dup2(e, 2);
    dup2(in, 0);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(Render().c_str()));
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(Render().c_str(), argv.data());
    _exit(127);
  }
  RunResult r;
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    r.signaled = true;
    r.signal = WTERMSIG(status);
  } else {
    r.code = WEXITSTATUS(status);
  }
  r.out = ReadFile(out_path);
  r.err = ReadFile(err_path);
  return r;
}

std::string Describe(const RunResult& r) {
  return "exit " + std::to_string(r.code) +
         (r.signaled ? " signal " + std::to_string(r.signal) : "") +
         "\nstderr: " + r.err.substr(0, 2000);
}

// A fatal error: exit 2 and exactly one stderr line naming `subject`.
void ExpectFatal(const RunResult& r, const std::string& subject) {
  ASSERT_FALSE(r.signaled) << Describe(r);
  EXPECT_EQ(r.code, 2) << Describe(r);
  EXPECT_EQ(r.err.rfind("nsys-explain-render: " + subject + ": ", 0), 0u)
      << Describe(r);
  ASSERT_FALSE(r.err.empty());
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "not one line: " << r.err;
}

class RendererCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (Render().empty()) GTEST_SKIP() << "nsys-explain-render is not built";
  }
  // A small valid export.
  std::string Trace(const std::string& name, unsigned tables = kAllTables) {
    std::string path = TempPath(name + ".sqlite");
    Db db(path);
    CreateNsysSchema(db, tables);
    if (tables & kStringIds) {
      AddString(db, 1, "gemm|`<b>kernel</b>`\nline2");
      AddString(db, 2, "cudaLaunchKernel_v7000");
      AddString(db, 3, "cudaDeviceSynchronize_v3020");
    }
    for (int i = 0; i < 50; ++i) {
      if (tables & kRuntime) AddRuntime(db, i * 100'000, i * 100'000 + 2000, 2, i);
      if (tables & kKernel)
        AddKernel(db, i * 100'000 + 3000, i * 100'000 + 50'000, 1, i);
    }
    if (tables & kRuntime) AddRuntime(db, 6'000'000, 7'000'000, 3, 999);
    if (tables & kNvtx) {
      AddNvtx(db, 0, 3'000'000, 59, "prefill");
      AddNvtx(db, 3'000'000, kNull, 59, "decode (never closed)");
    }
    return path;
  }
};

TEST_F(RendererCli, WrongFiles) {
  std::string good = Trace("render_good");
  std::string bytes = ReadFile(good);
  struct Bad {
    std::string name, content;
  };
  const std::vector<Bad> bad = {
      {"r_text.sqlite", "not a database\n"},
      {"r_empty.sqlite", ""},
      {"r_zeros.sqlite", std::string(4096, '\0')},
      {"r_header.sqlite", bytes.substr(0, 100)},
      {"r_gzip.sqlite", std::string("\x1f\x8b\x08\x00", 4) + std::string(500, 'z')},
      {"r_report.nsys-rep", "QDSTRMV\x01 not exported"},
  };
  for (const Bad& b : bad) {
    SCOPED_TRACE(b.name);
    std::string path = TempPath(b.name);
    WriteFile(path, b.content);
    ExpectFatal(RunRender({path}), path);
    EXPECT_EQ(ReadFile(path), b.content);
  }
  ExpectFatal(RunRender({TempPath("does_not_exist.sqlite")}),
              TempPath("does_not_exist.sqlite"));
  std::string dir = fs::path(good).parent_path().string();
  ExpectFatal(RunRender({dir}), dir);
  // Half-copied exports: a report or one fatal line, never a crash.
  for (size_t cut : {bytes.size() / 2, bytes.size() - 1, size_t(4096),
                     size_t(8192)}) {
    SCOPED_TRACE(cut);
    std::string path = TempPath("r_cut.sqlite");
    WriteFile(path, bytes.substr(0, cut));
    RunResult r = RunRender({path});
    ASSERT_FALSE(r.signaled) << Describe(r);
    EXPECT_TRUE(r.code == 0 || r.code == 2) << Describe(r);
    if (r.code == 2) ExpectFatal(r, path);
    EXPECT_EQ(ReadFile(path), bytes.substr(0, cut));
  }
  // A database that is not an nsys export.
  std::string other = TempPath("r_other.sqlite");
  {
    Db db(other);
    Exec(db, "CREATE TABLE t(a); INSERT INTO t VALUES (1)");
  }
  ExpectFatal(RunRender({other}), other);
}

TEST_F(RendererCli, MissingTablesStillRender) {
  for (auto [name, tables] :
       std::vector<std::pair<std::string, unsigned>>{
           {"r_all", kAllTables},
           {"r_no_kernel", kAllTables & ~kKernel},
           {"r_no_runtime", kAllTables & ~kRuntime},
           {"r_no_nvtx", kAllTables & ~kNvtx},
           {"r_no_strings", kAllTables & ~kStringIds},
           {"r_only_strings", kStringIds},
           {"r_only_kernel", kKernel}}) {
    SCOPED_TRACE(name);
    std::string path = Trace(name, tables);
    uint64_t before = FileChecksum(path);
    RunResult r = RunRender({path});
    ASSERT_FALSE(r.signaled) << Describe(r);
    EXPECT_EQ(r.code, 0) << Describe(r);
    EXPECT_NE(r.out.find("# "), std::string::npos);
    if (!(tables & kKernel)) {
      EXPECT_NE(r.out.find("Not available"), std::string::npos);
    }
    // --out: JSON + CSV too.
    std::string out = TempPath(name + "_out");
    RunResult o = RunRender({path, "--out", out});
    ASSERT_FALSE(o.signaled) << Describe(o);
    EXPECT_EQ(o.code, 0) << Describe(o);
    EXPECT_TRUE(FileExists(out + "/report.json"));
    EXPECT_EQ(FileChecksum(path), before);
    fs::remove_all(out);
  }
}

TEST_F(RendererCli, HostileData) {
  std::string path = TempPath("r_hostile.sqlite");
  {
    Db db(path);
    CreateNsysSchema(db);
    AddString(db, 1, std::string(100 * 1024, 'K') + "|`\n<script>");
    AddString(db, 2, std::string("\xff\xfe bad utf8 \xc3(", 15));
    AddKernel(db, kMin, kMax, 1);
    AddKernel(db, 0, kMax, 1);
    AddKernel(db, kMax - 5, kMax, 2, 2, Gtid(3, 0), 1);
    AddKernel(db, kMin, kMin + 5, 2, 3, Gtid(4, 0), 2);
    AddKernel(db, kNull, 5, 1);
    AddKernel(db, "abc", 5, 99);
    AddKernel(db, 10, 5, 1);
    AddRuntime(db, kMin, kMax, 2, 1);
    AddNvtx(db, kMin, kNull, 59, std::string("\xff|\n`", 4));
    AddNvtx(db, 5, 1, 59, "backwards");
  }
  uint64_t before = FileChecksum(path);
  RunResult r = RunRender({path});
  ASSERT_FALSE(r.signaled) << Describe(r);
  EXPECT_TRUE(r.code == 0 || r.code == 2) << Describe(r);
  if (r.code == 2) ExpectFatal(r, path);
  std::string out = TempPath("r_hostile_out");
  RunResult o = RunRender({path, "--out", out});
  ASSERT_FALSE(o.signaled) << Describe(o);
  EXPECT_TRUE(o.code == 0 || o.code == 2) << Describe(o);
  EXPECT_EQ(FileChecksum(path), before);
  fs::remove_all(out);
}

TEST_F(RendererCli, BadPhaseMaps) {
  std::string trace = Trace("r_phase");
  const std::vector<std::string> bad = {
      "", "{}", "[]", "null", "{\"p\": []}", "{\"p\": [\"\"]}",
      "{\"\": [\"x\"]}", "{\"p\": [1]}", "{\"p\": {\"q\": [\"a\"]}}",
      "{\"p\": [[\"a\"]]}", "{\"p\": [\"a\"], \"p\": [\"b\"]}",
      "{\"p\": [\"a\"]", "{\"p\": [\"a\"]} trailing", std::string(5000, '['),
      "{\"p\": [\"\\ud800\"]}", std::string("{\"p\": [\"\xff\"]}"),
      std::string(2 << 20, ' ') + "{\"p\": [\"a\"]}",
      "{\"multi\nline\": [\"x\"]}"};
  for (size_t i = 0; i < bad.size(); ++i) {
    SCOPED_TRACE(bad[i].substr(0, 60));
    std::string pm = TempPath("phase_" + std::to_string(i) + ".json");
    WriteFile(pm, bad[i]);
    ExpectFatal(RunRender({trace, "--phase-map", pm}), pm);
  }
  ExpectFatal(RunRender({trace, "--phase-map", TempPath("no_such.json")}),
              TempPath("no_such.json"));
  std::string dir = fs::path(trace).parent_path().string();
  ExpectFatal(RunRender({trace, "--phase-map", dir}), dir);
  // A valid one works.
  std::string pm = TempPath("phase_ok.json");
  WriteFile(pm, "{\"prefill\": [\"prefill\"], \"decode\": [\"decode\"]}");
  RunResult r = RunRender({trace, "--phase-map", pm});
  EXPECT_EQ(r.code, 0) << Describe(r);
}

TEST_F(RendererCli, BadFlags) {
  std::string trace = Trace("r_flags");
  for (const std::vector<std::string>& args :
       std::vector<std::vector<std::string>>{
           {},
           {"--no-such-flag", trace},
           {trace, "--top", "0"},
           {trace, "--top", "-5"},
           {trace, "--top", "abc"},
           {trace, "--top", "99999999999999999999"},
           {trace, "--nvtx-coverage-warn-threshold", "nan"},
           {trace, "--nvtx-coverage-warn-threshold", "2"},
           {trace, "--out", ""},
           {trace, "--phase-map", ""},
           {trace, trace, trace}}) {
    RunResult r = RunRender(args);
    ASSERT_FALSE(r.signaled) << Describe(r);
    EXPECT_EQ(r.code, 64) << Describe(r);
    EXPECT_FALSE(r.err.empty());
  }
  // --out onto a file: fatal, and the file is left alone.
  std::string file = TempPath("r_out_is_file");
  WriteFile(file, "keep me");
  ExpectFatal(RunRender({trace, "--out", file}), file);
  EXPECT_EQ(ReadFile(file), "keep me");
}

}  // namespace
}  // namespace rob
