using LiveTracker.Actors.Hocon;
using Xunit;

namespace LiveTracker.Actors.Tests.Hocon;

public sealed class HoconParserTests
{
    private static HoconObject Parse(string text) => HoconDocument.Parse(text, "test.hocon", _ => null);

    private static string? Text(HoconObject root, string path) =>
        Assert.IsType<HoconScalar>(root.GetPath(path)).Text;

    [Fact]
    public void ObjectsCanBeWrittenWithEqualsColonOrNothingBeforeTheBrace()
    {
        var root = Parse("""
            a = { x = 1 }
            b : { x = 2 }
            c { x = 3 }
            """);

        Assert.Equal("1", Text(root, "a.x"));
        Assert.Equal("2", Text(root, "b.x"));
        Assert.Equal("3", Text(root, "c.x"));
    }

    [Fact]
    public void BraceMayOpenOnTheNextLine()
    {
        var root = Parse("""
            a
            {
              x = 1
            }
            """);

        Assert.Equal("1", Text(root, "a.x"));
    }

    [Fact]
    public void WholeDocumentMayBeWrappedInBraces()
    {
        var root = Parse("{ a = 1, b { c = 2 } }");

        Assert.Equal("1", Text(root, "a"));
        Assert.Equal("2", Text(root, "b.c"));
    }

    [Fact]
    public void DottedKeysCreateNestedObjects()
    {
        var root = Parse("a.b.c = 1");

        var a = Assert.IsType<HoconObject>(root["a"]);
        var b = Assert.IsType<HoconObject>(a["b"]);
        Assert.Equal("1", Assert.IsType<HoconScalar>(b["c"]).Text);
    }

    [Fact]
    public void QuotedKeySegmentKeepsItsDots()
    {
        var root = Parse("""a."b.c".d = 1""");

        var a = Assert.IsType<HoconObject>(root["a"]);
        var bc = Assert.IsType<HoconObject>(a["b.c"]);
        Assert.Equal("1", Assert.IsType<HoconScalar>(bc["d"]).Text);
    }

    [Fact]
    public void SameObjectTwiceMergesAndLaterKeysWin()
    {
        var root = Parse("""
            http { bind = "127.0.0.1", port = 5080 }
            http { port = 6000 }
            http.tls = true
            """);

        Assert.Equal("127.0.0.1", Text(root, "http.bind"));
        Assert.Equal("6000", Text(root, "http.port"));
        Assert.Equal("true", Text(root, "http.tls"));
        Assert.Equal(["bind", "port", "tls"], Assert.IsType<HoconObject>(root["http"]).Keys);
    }

    [Fact]
    public void MergingIsDeep()
    {
        var root = Parse("""
            a { b { c = 1, d = 2 } }
            a { b { d = 3 } }
            """);

        Assert.Equal("1", Text(root, "a.b.c"));
        Assert.Equal("3", Text(root, "a.b.d"));
    }

    [Fact]
    public void ScalarReplacesObjectAndObjectReplacesScalar()
    {
        var root = Parse("""
            a { x = 1 }
            a = 5
            b = 5
            b { y = 2 }
            """);

        Assert.Equal("5", Text(root, "a"));
        Assert.Equal("2", Text(root, "b.y"));
    }

    [Fact]
    public void ArraysHoldMixedValues()
    {
        var root = Parse("""xs = [1, 2, "x", true, null, { a = 1 }, [3]]""");

        var items = Assert.IsType<HoconArray>(root["xs"]).Items;
        Assert.Equal(7, items.Count);
        Assert.Equal(HoconScalarKind.Number, Assert.IsType<HoconScalar>(items[0]).Kind);
        Assert.Equal("x", Assert.IsType<HoconScalar>(items[2]).Text);
        Assert.Equal(HoconScalarKind.Boolean, Assert.IsType<HoconScalar>(items[3]).Kind);
        Assert.Equal(HoconScalarKind.Null, Assert.IsType<HoconScalar>(items[4]).Kind);
        Assert.IsType<HoconObject>(items[5]);
        Assert.Single(Assert.IsType<HoconArray>(items[6]).Items);
    }

    [Fact]
    public void ArraysMaySpanLinesWithNewlineSeparatorsAndATrailingComma()
    {
        var root = Parse("""
            xs = [
              "a"   # first
              "b",  // second
              "c",
            ]
            empty = [ ]
            """);

        var items = Assert.IsType<HoconArray>(root["xs"]).Items;
        Assert.Equal(["a", "b", "c"], items.Select(i => Assert.IsType<HoconScalar>(i).Text));
        Assert.Empty(Assert.IsType<HoconArray>(root["empty"]).Items);
    }

    [Fact]
    public void HashAndDoubleSlashStartComments()
    {
        var root = Parse("""
            # a comment
            // another
            a = 1 # trailing
            b = 2 // trailing
            c = "x # not a comment // either"
            """);

        Assert.Equal("1", Text(root, "a"));
        Assert.Equal("2", Text(root, "b"));
        Assert.Equal("x # not a comment // either", Text(root, "c"));
    }

    [Fact]
    public void SingleSlashInUnquotedValueIsText()
    {
        var root = Parse("""
            zone = America/New_York
            path = a/b/c // but this is a comment
            """);

        Assert.Equal("America/New_York", Text(root, "zone"));
        Assert.Equal("a/b/c", Text(root, "path"));
    }

    [Fact]
    public void QuotedStringsUnescape()
    {
        var root = Parse("""
            s = "quote \" backslash \\ newline \n tab \t slash \/ e-acute \u00e9"
            """);

        Assert.Equal("quote \" backslash \\ newline \n tab \t slash / e-acute \u00e9", Text(root, "s"));
    }

    [Fact]
    public void TripleQuotedStringsAreRawAndMaySpanLines()
    {
        var root = Parse("s = \"\"\"line one\n  \\n stays \"quoted\"\"\"\"");

        Assert.Equal("line one\n  \\n stays \"quoted\"", Text(root, "s"));
    }

    [Fact]
    public void UnquotedValuesAreStrings()
    {
        var root = Parse("""
            provider = sqlite
            timeout = 30s
            """);

        var provider = Assert.IsType<HoconScalar>(root["provider"]);
        Assert.Equal(HoconScalarKind.String, provider.Kind);
        Assert.Equal("sqlite", provider.Text);
        Assert.Equal("30s", Text(root, "timeout"));
    }

    [Fact]
    public void WordsSeparatedBySpacesFormOneValueWithTheSpacesKept()
    {
        var root = Parse("""
            a = 10 minutes
            b = Monday   morning
            c = foo"bar" baz  # comment
            """);

        Assert.Equal("10 minutes", Text(root, "a"));
        Assert.Equal("Monday   morning", Text(root, "b"));
        Assert.Equal("foobar baz", Text(root, "c"));
    }

    [Theory]
    [InlineData("1", HoconScalarKind.Number)]
    [InlineData("-12.5", HoconScalarKind.Number)]
    [InlineData("1e10", HoconScalarKind.Number)]
    [InlineData("0", HoconScalarKind.Number)]
    [InlineData("007", HoconScalarKind.String)]
    [InlineData("1.", HoconScalarKind.String)]
    [InlineData("true", HoconScalarKind.Boolean)]
    [InlineData("false", HoconScalarKind.Boolean)]
    [InlineData("trueish", HoconScalarKind.String)]
    [InlineData("null", HoconScalarKind.Null)]
    [InlineData("\"1\"", HoconScalarKind.String)]
    [InlineData("\"true\"", HoconScalarKind.String)]
    public void ScalarsAreClassified(string literal, HoconScalarKind kind)
    {
        var root = Parse($"v = {literal}");

        Assert.Equal(kind, Assert.IsType<HoconScalar>(root["v"]).Kind);
    }

    [Fact]
    public void NullHasNoText()
    {
        Assert.Null(Text(Parse("a = null"), "a"));
    }

    [Fact]
    public void FieldsMayBeSeparatedByCommasOrNewlines()
    {
        var root = Parse("""
            a = 1, b = 2
            c = 3,
            d = 4
            o { x = 1, y = 2, }
            """);

        Assert.Equal(["a", "b", "c", "d", "o"], root.Keys);
        Assert.Equal("2", Text(root, "o.y"));
    }

    [Fact]
    public void CrLfLineEndingsAndTabsAreWhitespace()
    {
        var root = Parse("a = 1\r\n\tb {\r\n\t\tc = x\r\n\t}\r\n");

        Assert.Equal("1", Text(root, "a"));
        Assert.Equal("x", Text(root, "b.c"));
    }

    [Fact]
    public void EmptyDocumentIsAnEmptyObject()
    {
        Assert.Empty(Parse("  \n # nothing here\n").Keys);
    }

    [Fact]
    public void ValuesRememberFileLineAndColumn()
    {
        var root = Parse("""
            a {
              b = 42
              c = [1,
                   "two"]
            }
            """);

        Assert.Equal(new HoconSource("test.hocon", 2, 7), root.GetPath("a.b")!.Source);
        var items = Assert.IsType<HoconArray>(root.GetPath("a.c")).Items;
        Assert.Equal(new HoconSource("test.hocon", 4, 8), items[1].Source);
    }
}
