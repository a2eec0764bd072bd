namespace RotationTroubleshooter.Bundles;

/// <summary>
/// What a rotation function's bundle can be wrong about against its runtime and its database (docs/reference/bundle-fit.md):
/// each a cause the bundle alone can confirm, or one the driver's or database's words confirm.
/// </summary>
public static class BundleFitFindings
{
    public static readonly FindingDefinition NativeModuleBuiltForOtherPython = new(nameof(NativeModuleBuiltForOtherPython), FindingSeverity.Error,
        "A native module the function imports was built for another Python than the function's runtime: Python does not even see it (\"No module named '_pg'\").",
        "Rebuild the package's native modules for the function's runtime (pip install --platform manylinux2014_x86_64 --python-version 3.x --only-binary=:all:, or build in the runtime's image), or redeploy the rotation function from AWS's template for that runtime; setting the function's runtime back to the Python its modules were built for fixes it at once.",
        AwsDocs.LambdaPythonPackage);

    public static readonly FindingDefinition NativeModuleBuiltForOtherArchitecture = new(nameof(NativeModuleBuiltForOtherArchitecture), FindingSeverity.Error,
        "A native module or library in the bundle is built for another CPU than the function's architecture (x86_64 or arm64): it cannot be loaded.",
        "Rebuild the native modules for the function's architecture (pip install --platform manylinux2014_aarch64 for arm64, manylinux2014_x86_64 for x86_64), or set the function's architecture to the one they were built for.",
        AwsDocs.LambdaPythonPackage);

    public static readonly FindingDefinition NativeModuleNeedsNewerGlibc = new(nameof(NativeModuleNeedsNewerGlibc), FindingSeverity.Error,
        "A native module or library in the bundle needs a newer glibc than the runtime's operating system has (\"version `GLIBC_2.28' not found\").",
        "Build the native modules against the glibc of the runtime's operating system (manylinux2014 wheels for Amazon Linux 2 runtimes, python3.8 to python3.11), or move the function to a runtime on Amazon Linux 2023 (python3.12 or later) and rebuild for it.",
        AwsDocs.LambdaRuntimes);

    public static readonly FindingDefinition NativeModuleNotForLinux = new(nameof(NativeModuleNotForLinux), FindingSeverity.Error,
        "A native module in the bundle was built for macOS or Windows (or is no ELF file at all): Lambda's Linux cannot load it (\"invalid ELF header\").",
        "Build the deployment package on Linux, in the runtime's image, or with pip's --platform manylinux2014_x86_64 (or _aarch64) --only-binary=:all:, never on the workstation's own platform.",
        AwsDocs.LambdaPythonPackage);

    public static readonly FindingDefinition DriverNotInBundle = new(nameof(DriverNotInBundle), FindingSeverity.Error,
        "The function imports a database driver that neither its package nor its layers carry where Python looks for it (\"No module named 'pg'\").",
        "Add the driver to the deployment package (pip install --target) or to a layer under python/ (or python/lib/python3.x/site-packages for the function's own Python), or redeploy the function from AWS's rotation template, which carries its drivers.",
        AwsDocs.LambdaPythonPackage);

    public static readonly FindingDefinition WrongPackageForPyGreSql = new(nameof(WrongPackageForPyGreSql), FindingSeverity.Error,
        "The bundle holds the PyPI package named \"pg\", which is not PostgreSQL's driver: the PostgreSQL templates' \"import pg\" needs PyGreSQL (Runtime.UserCodeSyntaxError in pg/__init__.py).",
        "Remove the \"pg\" package and install PyGreSQL (pip install PyGreSQL), whose modules are named pg and pgdb, built for the function's runtime with the libpq it links against.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition NativeLibraryNotInBundle = new(nameof(NativeLibraryNotInBundle), FindingSeverity.Error,
        "A driver's native module needs a client library (libpq, FreeTDS's libsybdb, Oracle's libclntsh, Db2's libdb2) that the runtime does not have and the bundle does not carry where the loader looks.",
        "Ship the library with the driver: in the package beside the module, in /var/task/lib, or in a layer's lib/ folder (/opt/lib); for Oracle's thick mode, an Instant Client layer and its folder in LD_LIBRARY_PATH or init_oracle_client(lib_dir=...).",
        AwsDocs.LambdaPythonPackage);

    public static readonly FindingDefinition PyMySqlWithoutCryptography = new(nameof(PyMySqlWithoutCryptography), FindingSeverity.Warning,
        "PyMySQL has no usable 'cryptography' package: it cannot log in a caching_sha2_password or sha256_password user without TLS (\"'cryptography' package is required for sha256_password or caching_sha2_password auth methods\").",
        "Add 'cryptography' built for the function's runtime and architecture to the package, or let the function connect with TLS (no \"ssl\": false in the secret), over which caching_sha2_password needs no RSA; or give the user mysql_native_password where the server still has it.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition FreeTdsWithoutTls = new(nameof(FreeTdsWithoutTls), FindingSeverity.Warning,
        "pymssql's FreeTDS in the bundle has no TLS library: it cannot connect to a SQL Server that requires encryption (rds.force_ssl=1), and fails with \"Adaptive Server connection failed\".",
        "Use a pymssql built with TLS (the PyPI wheels from pymssql 2.2.0 on link FreeTDS with OpenSSL), built for the function's runtime, or redeploy the function from AWS's current SQL Server template.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition OracleThinModeCannotEncrypt = new(nameof(OracleThinModeCannotEncrypt), FindingSeverity.Error,
        "python-oracledb in thin mode cannot do Oracle's native network encryption, which the database requires (\"DPY-3001: Native Network Encryption and Data Integrity is only supported in python-oracledb thick mode\").",
        "Either connect with TLS instead (the Oracle SSL option, and the secret's \"ssl\" not false), or run python-oracledb in thick mode: an Oracle Instant Client layer and oracledb.init_oracle_client() in the function.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition OracleClientLibrariesMissing = new(nameof(OracleClientLibrariesMissing), FindingSeverity.Error,
        "The function uses Oracle's client libraries (cx_Oracle, or python-oracledb in thick mode) and no libclntsh is in the bundle or its layers (\"DPI-1047: Cannot locate a 64-bit Oracle Client library\").",
        "Add an Oracle Instant Client layer for the function's architecture and name its folder in LD_LIBRARY_PATH or init_oracle_client(lib_dir=...), or use python-oracledb in thin mode (no init_oracle_client call) when the database needs no native network encryption.",
        AwsDocs.RotationTemplates);

    public static readonly FindingDefinition TemplateCodeDoesNotFitDriver = new(nameof(TemplateCodeDoesNotFitDriver), FindingSeverity.Error,
        "The function's code calls its driver in a way the bundled version no longer supports (positional arguments to PyMySQL 1.0 and later, Database.authenticate with PyMongo 4 and later).",
        "Redeploy the function from AWS's current rotation template (its code and its drivers together), or pin the driver to the last version the code was written for (PyMySQL below 1.0, PyMongo below 4.0).",
        AwsDocs.RotationTemplates);

    public static IReadOnlyList<FindingDefinition> All { get; } =
    [
        NativeModuleBuiltForOtherPython, NativeModuleBuiltForOtherArchitecture, NativeModuleNeedsNewerGlibc, NativeModuleNotForLinux,
        DriverNotInBundle, WrongPackageForPyGreSql, NativeLibraryNotInBundle, PyMySqlWithoutCryptography, FreeTdsWithoutTls,
        OracleThinModeCannotEncrypt, OracleClientLibrariesMissing, TemplateCodeDoesNotFitDriver,
    ];
}
