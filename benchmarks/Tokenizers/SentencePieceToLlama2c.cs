using System;
using System.Buffers.Binary;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;

namespace Codegen.Benchmarks.Tokenizers;

/// <summary>
/// Writes a llama2.c <c>tokenizer.bin</c> from a SentencePiece <c>tokenizer.model</c>, as llama2.c's
/// <c>tokenizer.py</c> exports one: each piece with "▁" turned into a space, BOS (1) and EOS (2)
/// as "\n&lt;s&gt;\n" and "\n&lt;/s&gt;\n", its score, and max_token_length first. The shared
/// models folder has Llama 2's tokenizer.model but no tokenizer.bin.
/// </summary>
internal static class SentencePieceToLlama2c
{
    /// <summary>Converts <paramref name="modelPath"/> into <paramref name="outputPath"/>; returns the number of tokens.</summary>
    public static int Convert(string modelPath, string outputPath)
    {
        List<(string Piece, float Score)> pieces = ReadPieces(File.ReadAllBytes(modelPath));
        byte[][] tokens = pieces.Select((p, id) => Encoding.UTF8.GetBytes(id switch
        {
            1 => "\n<s>\n",
            2 => "\n</s>\n",
            _ => p.Piece.Replace('\u2581', ' '),
        })).ToArray();

        using var output = new BinaryWriter(File.Create(outputPath));
        output.Write(tokens.Max(token => token.Length));
        for (int id = 0; id < tokens.Length; id++)
        {
            output.Write(pieces[id].Score);
            output.Write(tokens[id].Length);
            output.Write(tokens[id]);
        }

        return tokens.Length;
    }

    /// <summary>The pieces of a ModelProto: its field 1, each a SentencePiece of piece (1) and score (2).</summary>
    private static List<(string Piece, float Score)> ReadPieces(byte[] model)
    {
        var pieces = new List<(string, float)>();
        int offset = 0;
        while (offset < model.Length)
        {
            (int field, int wireType) = ReadKey(model, ref offset);
            if (field == 1 && wireType == 2)
            {
                int length = (int)ReadVarint(model, ref offset);
                pieces.Add(ReadPiece(model.AsSpan(offset, length)));
                offset += length;
            }
            else
            {
                Skip(model, ref offset, wireType);
            }
        }

        return pieces;
    }

    private static (string Piece, float Score) ReadPiece(ReadOnlySpan<byte> message)
    {
        byte[] bytes = message.ToArray();
        string piece = "";
        float score = 0;
        int offset = 0;
        while (offset < bytes.Length)
        {
            (int field, int wireType) = ReadKey(bytes, ref offset);
            if (field == 1 && wireType == 2)
            {
                int length = (int)ReadVarint(bytes, ref offset);
                piece = Encoding.UTF8.GetString(bytes, offset, length);
                offset += length;
            }
            else if (field == 2 && wireType == 5)
            {
                score = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(offset));
                offset += 4;
            }
            else
            {
                Skip(bytes, ref offset, wireType);
            }
        }

        return (piece, score);
    }

    private static (int Field, int WireType) ReadKey(byte[] bytes, ref int offset)
    {
        ulong key = ReadVarint(bytes, ref offset);
        return ((int)(key >> 3), (int)(key & 7));
    }

    private static ulong ReadVarint(byte[] bytes, ref int offset)
    {
        ulong value = 0;
        for (int shift = 0; ; shift += 7)
        {
            byte b = bytes[offset++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    private static void Skip(byte[] bytes, ref int offset, int wireType)
    {
        switch (wireType)
        {
            case 0: ReadVarint(bytes, ref offset); break;
            case 1: offset += 8; break;
            case 2:
                int length = (int)ReadVarint(bytes, ref offset);
                offset += length;
                break;
            case 5: offset += 4; break;
            default: throw new InvalidDataException($"protobuf wire type {wireType} at byte {offset} is not one tokenizer.model uses");
        }
    }
}
