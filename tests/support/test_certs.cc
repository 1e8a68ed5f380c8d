#include "support/test_certs.h"

#include <vector>

#include "common/file_util.h"
#include "common/process.h"

namespace tcoder::testing {
namespace {

Status Openssl(const std::filesystem::path& dir, std::vector<std::string> args) {
  ProcessSpec spec;
  spec.argv = {"openssl"};
  spec.argv.insert(spec.argv.end(), args.begin(), args.end());
  spec.cwd = dir;
  RunOptions options;
  options.deadline = std::chrono::seconds(60);
  auto run = RunProcess(spec, options);
  if (!run.ok()) return run.status();
  if (!run->success()) return Internal("openssl " + args[0] + " failed: " + run->err);
  return Status::Ok();
}

// A new EC key and a self-signed CA certificate.
Status MakeCa(const std::filesystem::path& dir, const std::string& name) {
  return Openssl(dir, {"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                       name + ".key", "-out", name + ".crt", "-days", "2", "-subj", "/CN=" + name});
}

// A new key and a certificate for `cn` signed by ca.crt, with `extensions`.
Status MakeLeaf(const std::filesystem::path& dir, const std::string& name, const std::string& cn,
                const std::string& extensions) {
  if (Status s = WriteFileAtomic(dir / (name + ".ext"), extensions + "\n"); !s.ok()) return s;
  if (Status s = Openssl(dir, {"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout",
                               name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn});
      !s.ok()) {
    return s;
  }
  return Openssl(dir, {"x509", "-req", "-in", name + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial",
                       "-out", name + ".crt", "-days", "2", "-extfile", name + ".ext"});
}

}  // namespace

Result<std::unique_ptr<TestCerts>> TestCerts::Create(bool dns_only) {
  auto dir = TempDir::Create("tcoder-certs-");
  if (!dir.ok()) return dir.status();
  const std::filesystem::path d = dir->path();
  if (Status s = MakeCa(d, "ca"); !s.ok()) return s;
  if (Status s = MakeCa(d, "other-ca"); !s.ok()) return s;
  const std::string names = dns_only ? "DNS:localhost" : "DNS:localhost,IP:127.0.0.1";
  if (Status s = MakeLeaf(d, "server", "localhost", "subjectAltName=" + names); !s.ok()) return s;
  if (Status s = MakeLeaf(d, "client", "tcoder-client", "extendedKeyUsage=clientAuth"); !s.ok()) return s;
  return std::unique_ptr<TestCerts>(new TestCerts(std::move(*dir)));
}

}  // namespace tcoder::testing
