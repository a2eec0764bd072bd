using RotationTroubleshooter.Bundles;

namespace RotationTroubleshooter.Tests.Bundles;

public sealed class LibpqVersionEvidenceTests
{
    [Theory]
    [InlineData(NativeFixtures.AwsRunPath94, 9, "9.4")]
    [InlineData(NativeFixtures.AwsRunPath10, 10, "10")]
    [InlineData("/usr/pgsql-12/lib", 12, "12")]
    [InlineData("/usr/lib/postgresql/9.6/lib", 9, "9.6")]
    [InlineData("/opt/PostgreSQL-14.2/lib:$ORIGIN", 14, "14.2")]
    public void Reads_the_postgresql_version_a_search_path_names(string searchPath, int major, string named)
    {
        Assert.Equal((major, named), LibpqVersionEvidence.VersionNamedIn(searchPath));
    }

    [Theory]
    [InlineData("$ORIGIN/../psycopg2_binary.libs")]
    [InlineData("/usr/local/lib")]
    [InlineData("")]
    public void Search_path_without_a_version_names_none(string searchPath)
    {
        Assert.Null(LibpqVersionEvidence.VersionNamedIn(searchPath));
    }

    [Theory]
    [InlineData("libpq.so.5.15", 15)]
    [InlineData("libpq-be3d6e4e.so.5.16", 16)]
    [InlineData("libpq.so.5.7", null)]
    [InlineData("libpq.so.5", null)]
    public void File_name_gives_the_major_only_from_libpq_10_on(string fileName, int? major)
    {
        Assert.Equal(major, LibpqVersionEvidence.MajorFromFileName(fileName));
    }
}
