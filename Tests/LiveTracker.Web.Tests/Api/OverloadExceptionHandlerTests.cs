using LiveTracker.Web.Api;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace LiveTracker.Web.Tests.Api;

public sealed class OverloadExceptionHandlerTests
{
    [Fact]
    public async Task An_entity_that_does_not_answer_in_time_becomes_a_retryable_503_busy()
    {
        var context = new DefaultHttpContext { RequestServices = new ServiceCollection().AddLogging().BuildServiceProvider() };
        context.Response.Body = new MemoryStream();

        var handled = await new OverloadExceptionHandler().TryHandleAsync(context, new Akka.Actor.AskTimeoutException("no answer in 5 s"), CancellationToken.None);
        var ignored = await new OverloadExceptionHandler().TryHandleAsync(new DefaultHttpContext(), new InvalidOperationException("a bug"), CancellationToken.None);

        context.Response.Body.Position = 0;
        var body = await new StreamReader(context.Response.Body).ReadToEndAsync();
        Assert.True(handled);
        Assert.False(ignored);
        Assert.Equal((503, "5"), (context.Response.StatusCode, context.Response.Headers.RetryAfter.ToString()));
        Assert.Contains("\"code\":\"busy\"", body, StringComparison.Ordinal);
    }
}
