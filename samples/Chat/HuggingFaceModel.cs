using Codegen;

namespace ChatSample;

/// <summary>
/// The Hugging Face model this sample was built for (-p:ModelFolder=&lt;folder&gt;): its shape comes from that folder's
/// config.json at build time. A model whose context is very long needs a shorter one here (<c>Context = 4096</c>).
/// </summary>
[TransformerModel(Config = "config.json")]
public partial class HuggingFaceModel
{
}
