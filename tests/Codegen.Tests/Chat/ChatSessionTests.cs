using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Codegen.Chat;
using Codegen.Generation;
using Codegen.Tokenizers;
using Xunit;
using static Codegen.Tests.Chat.ChatTestModel;

namespace Codegen.Tests.Chat;

/// <summary>ChatSession over stories260K: the cache reused across turns gives what recomputation gives.</summary>
public sealed class ChatSessionTests
{
    private static readonly GenerationOptions Greedy = new() { Temperature = 0, MaxNewTokens = 12 };

    private static readonly string[] UserTurns =
    {
        "Tell me about the cat.",
        "What did the dog do next?",
        "Why was Lily sad?",
        "Thank you!",
    };

    private static (ChatSession Chat, RecordingSession Session) NewChat(
        string template = TemplateWithBos, ContextOverflowPolicy policy = ContextOverflowPolicy.Refuse)
    {
        var session = new RecordingSession(Model.Value.CreateSession());
        return (new ChatSession(session, Tokenizer.Value, Template(template), policy), session);
    }

    private static string Run(ChatReply reply) => string.Concat(reply);

    [Fact]
    public void EachTurnGivesTheLogitsOfRecomputingTheWholeConversationAndFeedsOnlyNewTokens()
    {
        var (chat, session) = NewChat();
        ChatTemplate template = Template();
        chat.Add(new ChatMessage("system", "You tell short stories."));
        int totalFed = 0;
        for (int turn = 0; turn < UserTurns.Length; turn++)
        {
            var expectedMessages = chat.Messages.Append(new ChatMessage("user", UserTurns[turn])).ToArray();
            int[] prompt = PromptTokens(template, expectedMessages);
            int[] cachedBefore = chat.CachedTokens.ToArray();
            int expectedReused = Math.Min(CommonPrefix(cachedBefore, prompt), prompt.Length - 1);
            session.ClearRecord();

            ChatReply reply = chat.Send(UserTurns[turn], Greedy);
            string text = Run(reply);

            // The prompt's new part only, in one prefill from the first position the cache did not hold.
            var prefill = Assert.Single(session.Prefills);
            Assert.Equal(expectedReused, prefill.Position);
            Assert.Equal(prompt.Skip(expectedReused).ToArray(), prefill.Tokens);
            Assert.Equal(expectedReused, reply.ReusedTokenCount);
            Assert.Equal(prompt.Length, reply.PromptTokenCount);
            if (turn > 0)
            {
                // Everything up to the last answer is reused (the answer's re-tokenization may differ at its end).
                Assert.True(expectedReused > cachedBefore.Length / 2, $"turn {turn}: only {expectedReused} of {cachedBefore.Length} cached tokens reused");
            }

            // The first answer token's logits are those of a fresh session prefilling the whole conversation.
            AssertClose(FreshPrefill(prompt), session.LastPrefillLogits);

            // The steps fed the answer's tokens back at the positions after the prompt, and the record says so.
            for (int i = 0; i < session.Steps.Count; i++)
            {
                Assert.Equal(prompt.Length + i, session.Steps[i].Position);
            }

            Assert.Equal(prompt.Concat(session.Steps.Select(s => s.Token)).ToArray(), chat.CachedTokens);
            totalFed += session.FedTokens;

            // The conversation grew by the user's message and the answer.
            Assert.Equal(expectedMessages.Append(new ChatMessage("assistant", text)).ToArray(), chat.Messages);
            Assert.Equal(reply.Text, text);
            Assert.NotNull(reply.FinishReason);
        }

        // Recomputing every turn would have fed every prompt in full.
        Assert.True(totalFed < chat.CachedTokens.Count + 4 * UserTurns.Length * Greedy.MaxNewTokens, $"{totalFed} tokens fed");
    }

    [Fact]
    public void ContinuationAfterTurnsEqualsAFreshChatOverTheSameMessages()
    {
        var (chat, _) = NewChat();
        foreach (string user in UserTurns.Take(3))
        {
            Run(chat.Send(user, Greedy));
        }

        string continued = Run(chat.Send(UserTurns[3], Greedy));

        var (fresh, _) = NewChat();
        fresh.Restore(new ChatSessionState(chat.Messages.Take(chat.Messages.Count - 2).ToArray(), Array.Empty<int>()));
        Assert.Equal(continued, Run(fresh.Send(UserTurns[3], Greedy)));
    }

    [Fact]
    public void TemplateThatWritesBosGivesExactlyOneBos()
    {
        var (chat, session) = NewChat(TemplateWithBos);
        Run(chat.Send("Hello", Greedy));
        int[] fed = session.Prefills[0].Tokens;
        Assert.Equal(Llama2cTokenizer.Bos, fed[0]);
        Assert.Equal(1, fed.Count(t => t == Llama2cTokenizer.Bos));

        // The text after the BOS is tokenized as it is, without a BOS of the tokenizer's own.
        string rendered = Template(TemplateWithBos).Render(new[] { new ChatMessage("user", "Hello") }, addGenerationPrompt: true);
        Assert.StartsWith("<s>", rendered, StringComparison.Ordinal);
        Assert.Equal(Tokenizer.Value.Encode(rendered.Substring(3), addBos: false), fed.Skip(1).ToArray());
    }

    [Fact]
    public void TemplateWithoutBosGetsNone()
    {
        var (chat, session) = NewChat(TemplateWithoutBos);
        Run(chat.Send("Hello", Greedy));
        int[] fed = session.Prefills[0].Tokens;
        Assert.DoesNotContain(Llama2cTokenizer.Bos, fed);
        string rendered = Template(TemplateWithoutBos).Render(new[] { new ChatMessage("user", "Hello") }, addGenerationPrompt: true);
        Assert.Equal(Tokenizer.Value.Encode(rendered, addBos: false), fed);
    }

    [Fact]
    public void TemplateEosThatIsNotOneTokenStopsAsText()
    {
        // llama2.c's tokenizer reads "</s>" as plain text: the chat session stops where the model would write it.
        var (chat, _) = NewChat();
        Assert.Contains("</s>", chat.Send("Hi", Greedy).Options.StopStrings);
        Assert.Contains(Llama2cTokenizer.Eos, chat.StopTokens);
        Assert.Contains(Llama2cTokenizer.Bos, chat.StopTokens);
    }

    [Fact]
    public void StopStringsEndTheAnswerAndTheMessageHoldsTheTextBeforeThem()
    {
        var (chat, _) = NewChat();
        var options = new GenerationOptions { Temperature = 0, MaxNewTokens = 200, StopStrings = new[] { "." } };
        ChatReply reply = chat.Send("Once upon a time", options);
        string text = Run(reply);
        Assert.Equal(FinishReason.StopString, reply.FinishReason);
        Assert.DoesNotContain(".", text);
        Assert.Equal(text, chat.Messages[^1].Content);
        Assert.Equal("assistant", chat.Messages[^1].Role);
    }

    [Fact]
    public void RefusedTurnNamesTheSizesAndLeavesTheSessionAsItWas()
    {
        var (chat, session) = NewChat();
        Run(chat.Send("Hello", Greedy));
        var messages = chat.Messages;
        var cached = chat.CachedTokens;
        session.ClearRecord();
        var options = Greedy with { MaxNewTokens = 500 };
        var e = Assert.Throws<ChatContextOverflowException>(() => chat.Send("Tell me a long story.", options));
        Assert.Equal(512, e.ContextLength);
        Assert.Equal(500, e.MaxNewTokens);
        Assert.Equal(PromptTokens(Template(), messages.Append(new ChatMessage("user", "Tell me a long story.")).ToArray()).Length, e.PromptTokenCount);
        Assert.Contains($"{e.PromptTokenCount} tokens", e.Message);
        Assert.Contains("context of 512", e.Message);
        Assert.Equal(messages, chat.Messages);
        Assert.Equal(cached, chat.CachedTokens);
        Assert.Equal(0, session.FedTokens);
    }

    [Fact]
    public void TrimmingDropsTheOldestTurnsKeepsTheSystemMessageAndRecomputesTheCache()
    {
        var (chat, session) = NewChat(policy: ContextOverflowPolicy.TrimOldestTurns);
        ChatTemplate template = Template();
        chat.Add(new ChatMessage("system", "Be brief."));

        // 440 new tokens leave room for a prompt of 73 tokens: a few turns fit, then the oldest go.
        var options = new GenerationOptions { Temperature = 0, MaxNewTokens = 440, StopStrings = new[] { "." } };
        bool trimmed = false;
        for (int turn = 0; turn < 8; turn++)
        {
            string user = UserTurns[turn % UserTurns.Length];
            var before = chat.Messages;
            session.ClearRecord();
            ChatReply reply = chat.Send(user, options);
            Run(reply);
            var after = chat.Messages;
            Assert.Equal("system", after[0].Role);
            Assert.Equal(new ChatMessage("user", user), after[^2]);
            if (reply.TrimmedMessageCount > 0)
            {
                trimmed = true;

                // The oldest turns went, whole: what is left starts with a user message after the system prompt.
                Assert.Equal(before.Count + 2 - reply.TrimmedMessageCount, after.Count);
                Assert.Equal("user", after[1].Role);
                Assert.Equal(before.Skip(1 + reply.TrimmedMessageCount).ToArray(), after.Skip(1).Take(after.Count - 3).ToArray());
            }

            int[] prompt = PromptTokens(template, after.Take(after.Count - 1).ToArray());
            Assert.True(prompt.Length + options.MaxNewTokens - 1 <= 512);
            AssertClose(FreshPrefill(prompt), session.LastPrefillLogits);
        }

        Assert.True(trimmed, "no turn was trimmed");
    }

    [Fact]
    public void TrimmingRefusesWhenTheNewestMessageAloneDoesNotFit()
    {
        var (chat, _) = NewChat(policy: ContextOverflowPolicy.TrimOldestTurns);
        chat.Add(new ChatMessage("system", "Be brief."));
        Run(chat.Send("Hello", Greedy));
        var messages = chat.Messages;
        string huge = string.Join(" ", Enumerable.Repeat("The cat sat on the mat.", 100));
        var e = Assert.Throws<ChatContextOverflowException>(() => chat.Send(huge, Greedy));
        Assert.Contains("even with every turn", e.Message);
        Assert.Equal(messages, chat.Messages);
    }

    [Fact]
    public void SaveAndRestoreGiveTheSameContinuation()
    {
        var (chat, session) = NewChat();
        chat.Add(new ChatMessage("system", "You tell short stories."));
        Run(chat.Send(UserTurns[0], Greedy));
        Run(chat.Send(UserTurns[1], Greedy));
        ChatSessionState saved = chat.Save();
        Assert.Equal(chat.CachedTokens, saved.Tokens);
        string third = Run(chat.Send(UserTurns[2], Greedy));
        var messagesAfterThird = chat.Messages;

        // Into a new chat session: the cache is recomputed from position 0 on the next turn.
        var (other, otherSession) = NewChat();
        other.Restore(saved);
        Assert.Equal(saved.Messages, other.Messages);
        Assert.Empty(other.CachedTokens);
        Assert.Equal(third, Run(other.Send(UserTurns[2], Greedy)));
        Assert.Equal(0, Assert.Single(otherSession.Prefills).Position);
        Assert.Equal(messagesAfterThird, other.Messages);

        // Into the chat session it came from, whose cache holds the saved conversation and more: reused.
        chat.Restore(saved);
        session.ClearRecord();
        ChatReply again = chat.Send(UserTurns[2], Greedy);
        Assert.Equal(third, Run(again));
        Assert.True(again.ReusedTokenCount >= saved.Tokens.Count / 2, $"{again.ReusedTokenCount} reused");
        Assert.Equal(messagesAfterThird, chat.Messages);
    }

    [Fact]
    public void CancellationInsideALongPrefillLeavesTheConversationAndAConsistentCache()
    {
        var (chat, session) = NewChat();
        Run(chat.Send("Hello", Greedy));
        var messages = chat.Messages;
        string longMessage = string.Join(" ", Enumerable.Repeat("The little dog ran to the park.", 12));
        using var source = new CancellationTokenSource();
        session.CancelAfterFirstChunk = source;
        session.ClearRecord();
        ChatReply reply = chat.Send(longMessage, Greedy, source.Token);
        Assert.True(reply.PromptTokenCount > 130);
        Assert.ThrowsAny<OperationCanceledException>(() => Run(reply));
        Assert.Single(session.Prefills);
        Assert.Empty(session.Steps);
        Assert.Equal(messages, chat.Messages);
        Assert.Null(reply.FinishReason);

        // The next turn (not cancelled) gives what recomputation gives.
        session.CancelAfterFirstChunk = null;
        session.ClearRecord();
        string text = Run(chat.Send(longMessage, Greedy));
        AssertClose(FreshPrefill(PromptTokens(Template(), messages.Append(new ChatMessage("user", longMessage)).ToArray())), session.LastPrefillLogits);
        var (fresh, _) = NewChat();
        fresh.Restore(new ChatSessionState(messages, Array.Empty<int>()));
        Assert.Equal(Run(fresh.Send(longMessage, Greedy)), text);
    }

    [Fact]
    public void PreCancelledTurnFeedsNothing()
    {
        var (chat, session) = NewChat();
        Run(chat.Send("Hello", Greedy));
        var messages = chat.Messages;
        var cached = chat.CachedTokens;
        session.ClearRecord();
        ChatReply reply = chat.Send("Again", Greedy, new CancellationToken(canceled: true));
        Assert.ThrowsAny<OperationCanceledException>(() => Run(reply));
        Assert.Equal(0, session.FedTokens);
        Assert.Equal(messages, chat.Messages);
        Assert.Equal(cached, chat.CachedTokens);
    }

    [Fact]
    public void CancellationBetweenTokensLeavesTheConversationAndTheCacheRecordExact()
    {
        var (chat, session) = NewChat();
        var messages = chat.Messages;
        using var source = new CancellationTokenSource();
        ChatReply reply = chat.Send("Hello", Greedy with { MaxNewTokens = 50 }, source.Token);
        int pieces = 0;
        Assert.ThrowsAny<OperationCanceledException>(() =>
        {
            foreach (string piece in reply)
            {
                if (++pieces == 3)
                {
                    source.Cancel();
                }
            }
        });
        Assert.Equal(messages, chat.Messages);

        // The cache record is the prompt and the tokens fed back before the cancellation.
        int[] prompt = session.Prefills[0].Tokens;
        Assert.Equal(prompt.Concat(session.Steps.Select(s => s.Token)).ToArray(), chat.CachedTokens);

        session.ClearRecord();
        Run(chat.Send("Hello again", Greedy));
        AssertClose(FreshPrefill(PromptTokens(Template(), new[] { new ChatMessage("user", "Hello again") })), session.LastPrefillLogits);
    }

    [Fact]
    public void AnAbandonedReplyLeavesTheConversationAsItWas()
    {
        var (chat, _) = NewChat();
        foreach (string piece in chat.Send("Hello", Greedy with { MaxNewTokens = 50 }))
        {
            break;
        }

        Assert.Empty(chat.Messages);
        Run(chat.Send("Hello", Greedy));
        Assert.Equal(2, chat.Messages.Count);
    }

    [Fact]
    public async Task AsyncEnumerationGivesTheSameTextAndConversation()
    {
        var (chat, _) = NewChat();
        string expected = Run(chat.Send("Hello", Greedy));
        var (other, _) = NewChat();
        var pieces = new List<string>();
        ChatReply reply = other.Send("Hello", Greedy);
        await foreach (string piece in reply)
        {
            pieces.Add(piece);
        }

        Assert.Equal(expected, string.Concat(pieces));
        Assert.Equal(chat.Messages, other.Messages);
    }

    [Fact]
    public async Task TheAsyncEnumeratorsTokenCancelsTooAndLeavesTheConversation()
    {
        var (chat, _) = NewChat();
        Run(chat.Send("Hello", Greedy));
        var messages = chat.Messages;
        using var source = new CancellationTokenSource();
        int pieces = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (string piece in chat.Send("Again", Greedy with { MaxNewTokens = 50 }).WithCancellation(source.Token))
            {
                if (++pieces == 2)
                {
                    source.Cancel();
                }
            }
        });
        Assert.Equal(2, pieces);
        Assert.Equal(messages, chat.Messages);
    }

    [Fact]
    public void OneTurnAtATimeAndAReplyPreparedBeforeAChangeIsRefused()
    {
        var (chat, _) = NewChat();
        ChatReply stale = chat.Send("Hello", Greedy);
        chat.Add(new ChatMessage("system", "Be brief."));
        var e = Assert.Throws<InvalidOperationException>(() => Run(stale));
        Assert.Contains("changed after this reply was prepared", e.Message);

        var running = chat.Send("Hello", Greedy).GetEnumerator();
        Assert.True(running.MoveNext());
        Assert.Throws<InvalidOperationException>(() => chat.Send("Again", Greedy));
        Assert.Throws<InvalidOperationException>(() => chat.Reset());
        running.Dispose();
        Run(chat.Send("Again", Greedy));
    }

    [Fact]
    public void ResetForgetsTheConversationAndTheCache()
    {
        var (chat, session) = NewChat();
        Run(chat.Send("Hello", Greedy));
        chat.Reset();
        Assert.Empty(chat.Messages);
        Assert.Empty(chat.CachedTokens);
        session.ClearRecord();
        Run(chat.Send("Hello", Greedy));
        Assert.Equal(0, session.Prefills[0].Position);
    }

    [Fact]
    public void RenderingTheSameConversationAgainReusesAllButTheLastToken()
    {
        var (chat, session) = NewChat();
        Run(chat.Send("Hello", Greedy));
        ChatSessionState state = chat.Save();
        chat.Restore(state with { Messages = state.Messages.Take(1).ToArray() });
        session.ClearRecord();
        ChatReply reply = chat.Continue(Greedy);
        Run(reply);
        Assert.Equal(reply.PromptTokenCount - 1, reply.ReusedTokenCount);
        Assert.Single(Assert.Single(session.Prefills).Tokens);
    }
}
