using LiveTracker.Actors.Hocon;
using Xunit;

namespace LiveTracker.Actors.Tests.Hocon;

/// <summary>Broken inputs must fail with a message an operator can act on: file, line, column and what was expected.</summary>
public sealed class HoconSyntaxErrorTests
{
    private static HoconException Fail(string text) =>
        Assert.Throws<HoconException>(() => HoconDocument.Parse(text, "akka.hocon", _ => null));

    [Fact]
    public void KeyWithoutSeparatorNamesTheKey()
    {
        var error = Fail("""
            livetracker {
              persistence
                provider = sqlite
            }
            """);

        Assert.Equal("akka.hocon:2:14: expected '=', ':' or '{' after key 'persistence', found a new line", error.Message);
        Assert.Equal(2, error.Position.Line);
        Assert.Equal(14, error.Position.Column);
    }

    [Fact]
    public void TwoWordsAsKeyAreRejectedAtTheSecondWord()
    {
        var error = Fail("shard count = 10");

        Assert.Equal("akka.hocon:1:7: expected '=', ':' or '{' after key 'shard', found 'c'", error.Message);
    }

    [Fact]
    public void UnclosedObjectPointsAtEndAndNamesTheOpeningLine()
    {
        var error = Fail("""
            a {
              b = 1

            """);

        Assert.Contains("expected '}' to close the object opened at line 1, found end of file", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("akka.hocon:3:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StrayClosingBraceIsRejected()
    {
        var error = Fail("a = 1\n}");

        Assert.Equal("akka.hocon:2:1: unexpected '}' (there is no open object to close)", error.Message);
    }

    [Fact]
    public void MissingValueIsRejected()
    {
        var error = Fail("a = 1\nb =\nc = 3");

        Assert.Equal("akka.hocon:2:4: expected a value for key 'b', found a new line", error.Message);
    }

    [Fact]
    public void MissingValueAtEndOfFileIsRejected()
    {
        var error = Fail("a =");

        Assert.Equal("akka.hocon:1:4: expected a value for key 'a', found end of file", error.Message);
    }

    [Fact]
    public void UnterminatedStringPointsAtItsOpeningQuote()
    {
        var error = Fail("a = 1\nname = \"node-1\nb = 2");

        Assert.StartsWith("akka.hocon:2:8: unterminated quoted string", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownEscapeIsRejected()
    {
        var error = Fail("""path = "C:\temp\x" """);

        Assert.Equal("akka.hocon:1:16: unknown escape '\\x' in quoted string (write '\\\\' for a backslash)", error.Message);
    }

    [Fact]
    public void ShortUnicodeEscapeIsRejected()
    {
        var error = Fail("""s = "\u12" """);

        Assert.Equal("akka.hocon:1:6: expected four hex digits after '\\u'", error.Message);
    }

    [Fact]
    public void ValueFollowedByAnotherFieldOnTheSameLineIsRejected()
    {
        var error = Fail("a = 1 b = 2");

        Assert.Equal("akka.hocon:1:9: expected ',' or a new line after the value of 'a', found '='", error.Message);
    }

    [Fact]
    public void DoubleCommaIsRejected()
    {
        var error = Fail("a = 1,, b = 2");

        Assert.Equal("akka.hocon:1:7: unexpected ',' (expected a key)", error.Message);
    }

    [Fact]
    public void UnclosedArrayNamesTheOpeningLine()
    {
        var error = Fail("xs = [1,\n 2");

        Assert.Contains("expected ']' to close the array opened at line 1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadArraySeparatorIsRejected()
    {
        var error = Fail("xs = [1 = 2]");

        Assert.Equal("akka.hocon:1:9: expected ',' or ']' after an array element, found '='", error.Message);
    }

    [Fact]
    public void UnclosedSubstitutionIsRejected()
    {
        var error = Fail("a = ${?PORT\nb = 1");

        Assert.Equal("akka.hocon:1:12: expected '}' to close the substitution that starts at column 5, found a new line", error.Message);
    }

    [Fact]
    public void EmptySubstitutionIsRejected()
    {
        var error = Fail("a = ${}");

        Assert.StartsWith("akka.hocon:1:5: empty substitution", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(".a = 1", "akka.hocon:1:1: a key cannot start with '.'")]
    [InlineData("a..b = 1", "akka.hocon:1:3: empty key segment ('..')")]
    [InlineData("a. = 1", "akka.hocon:1:3: a key cannot end with '.'")]
    [InlineData("= 1", "akka.hocon:1:1: expected a key, found '='")]
    public void MalformedKeysAreRejected(string text, string message)
    {
        Assert.Equal(message, Fail(text).Message);
    }

    [Fact]
    public void IncludeIsNotSupported()
    {
        var error = Fail("include \"other.conf\"");

        Assert.Equal("akka.hocon:1:1: 'include' is not supported; keep all settings in this file", error.Message);
    }

    [Fact]
    public void AppendIsNotSupported()
    {
        Assert.Contains("'+=' is not supported", Fail("xs += 1").Message, StringComparison.Ordinal);
    }

    [Fact]
    public void RootArrayIsRejected()
    {
        Assert.Equal("akka.hocon:1:1: a configuration must be an object, not an array", Fail("[1, 2]").Message);
    }

    [Fact]
    public void TextAfterBracedRootIsRejected()
    {
        Assert.Equal("akka.hocon:2:1: unexpected 'b' after the '}' that closes the root object", Fail("{ a = 1 }\nb = 2").Message);
    }
}
