using LiveTracker.Actors.Hocon;
using Xunit;

namespace LiveTracker.Actors.Tests.Hocon;

public sealed class HoconSubstitutionTests
{
    private static Func<string, string?> Environment(params (string Name, string Value)[] variables) =>
        name => variables.FirstOrDefault(v => v.Name == name).Value;

    private static HoconObject Parse(string text, Func<string, string?>? environment = null) =>
        HoconDocument.Parse(text, "test.hocon", environment ?? Environment());

    private static HoconScalar Scalar(HoconObject root, string path) => Assert.IsType<HoconScalar>(root.GetPath(path));

    [Fact]
    public void SetOptionalVariableReplacesTheEarlierValue()
    {
        var root = Parse("""
            port = 5080
            port = ${?HTTP_PORT}
            """, Environment(("HTTP_PORT", "6000")));

        var port = Scalar(root, "port");
        Assert.Equal("6000", port.Text);
        Assert.Equal(2, port.Source.Line);
        Assert.Equal("environment variable HTTP_PORT", port.Source.Via);
    }

    [Fact]
    public void UnsetOptionalVariableKeepsTheEarlierValue()
    {
        var root = Parse("""
            port = 5080
            port = ${?HTTP_PORT}
            """);

        var port = Scalar(root, "port");
        Assert.Equal("5080", port.Text);
        Assert.Equal(1, port.Source.Line);
        Assert.Null(port.Source.Via);
    }

    [Fact]
    public void UnsetOptionalVariableWithoutEarlierValueLeavesTheKeyAbsent()
    {
        var root = Parse("""
            a { x = ${?NOT_SET}, y = 1 }
            xs = [1, ${?NOT_SET}, 2]
            """);

        Assert.Null(root.GetPath("a.x"));
        Assert.Equal(["y"], Assert.IsType<HoconObject>(root["a"]).Keys);
        Assert.Equal(2, Assert.IsType<HoconArray>(root["xs"]).Items.Count);
    }

    [Fact]
    public void EmptyVariableCountsAsSet()
    {
        var root = Parse("""
            a = "x"
            a = ${?EMPTY}
            """, Environment(("EMPTY", string.Empty)));

        Assert.Equal(string.Empty, Scalar(root, "a").Text);
    }

    [Fact]
    public void OptionalOverrideInsideMergedObjectKeepsEarlierValue()
    {
        var root = Parse("""
            db { provider = sqlite }
            db { provider = ${?DB} }
            """);

        Assert.Equal("sqlite", Scalar(root, "db.provider").Text);
    }

    [Fact]
    public void RequiredSubstitutionCopiesAnotherSetting()
    {
        var root = Parse("""
            defaults { timeout = 5s }
            client.timeout = ${defaults.timeout}
            """);

        var timeout = Scalar(root, "client.timeout");
        Assert.Equal("5s", timeout.Text);
        Assert.Equal(2, timeout.Source.Line);
        Assert.Contains("line 1", timeout.Source.Via, StringComparison.Ordinal);
    }

    [Fact]
    public void SubstitutionSeesValuesSetLaterInTheFile()
    {
        var root = Parse("""
            a = ${b}
            b = 1
            b = 2
            """);

        Assert.Equal("2", Scalar(root, "a").Text);
    }

    [Fact]
    public void SubstitutionOfAnObjectCopiesTheWholeObject()
    {
        var root = Parse("""
            base { x = 1, y = 2 }
            copy = ${base}
            """);

        Assert.Equal("2", Scalar(root, "copy.y").Text);
    }

    [Fact]
    public void SubstitutionChainsResolve()
    {
        var root = Parse("""
            a = ${b}
            b = ${c}
            c = ${?FROM_ENV}
            """, Environment(("FROM_ENV", "deep")));

        Assert.Equal("deep", Scalar(root, "a").Text);
    }

    [Fact]
    public void RequiredSubstitutionFallsBackToTheEnvironment()
    {
        var root = Parse("home = ${HOME_DIR}", Environment(("HOME_DIR", "/home/me")));

        Assert.Equal("/home/me", Scalar(root, "home").Text);
    }

    [Fact]
    public void MissingRequiredSubstitutionIsAnErrorNamingItsPosition()
    {
        var error = Assert.Throws<HoconException>(() => Parse("""
            a = 1
            b = ${missing.path}
            """));

        Assert.Equal(new HoconSource("test.hocon", 2, 5), error.Position);
        Assert.StartsWith("test.hocon:2:5: could not resolve substitution ${missing.path}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SubstitutionsJoinWithText()
    {
        var root = Parse("""
            dir = /var/lib
            file = ${dir}/journal.db
            url = "http://"${HOST}":"${PORT}
            opt = prefix-${?NOT_SET}-suffix
            """, Environment(("HOST", "example"), ("PORT", "80")));

        Assert.Equal("/var/lib/journal.db", Scalar(root, "file").Text);
        Assert.Equal("http://example:80", Scalar(root, "url").Text);
        Assert.Equal("prefix--suffix", Scalar(root, "opt").Text);
        Assert.Equal("environment variable HOST", Scalar(root, "url").Source.Via);
    }

    [Fact]
    public void SelfReferenceReadsTheEarlierValue()
    {
        var root = Parse("""
            path = "/bin"
            path = ${path}":/usr/bin"
            """);

        Assert.Equal("/bin:/usr/bin", Scalar(root, "path").Text);
    }

    [Fact]
    public void CycleIsAnError()
    {
        var error = Assert.Throws<HoconException>(() => Parse("""
            a = ${b}
            b = ${a}
            """));

        Assert.Contains("cycle", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ObjectCannotBeJoinedWithText()
    {
        var error = Assert.Throws<HoconException>(() => Parse("""
            o { x = 1 }
            s = prefix${o}
            """));

        Assert.StartsWith("test.hocon:2:11:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ObjectContainingItsOwnSubstitutionIsAnError()
    {
        Assert.Throws<HoconException>(() => Parse("a { b = ${a} }"));
    }

    [Fact]
    public void QuotedTextIsNeverSubstituted()
    {
        var root = Parse("""a = "${NOT_A_SUBSTITUTION}" """, Environment(("NOT_A_SUBSTITUTION", "x")));

        Assert.Equal("${NOT_A_SUBSTITUTION}", Scalar(root, "a").Text);
    }
}
