# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, beginner_source/text_sentiment_ngrams_tutorial.py ("Text
#   classification with the torchtext library": nn.EmbeddingBag over a batch of variable-length
#   texts concatenated with their offsets, a DataLoader collate_fn, random_split, SGD at lr 5
#   with clip_grad_norm_ and StepLR). Licence: BSD-3-Clause.
# Edits: `import torch` / `from torch.utils.data import DataLoader` / `from torch import nn` /
#   `from torch.utils.data.dataset import random_split` name chainrule; the tutorial's prose left
#   out, its section headings kept; torchtext (AG_NEWS, get_tokenizer('basic_english'),
#   build_vocab_from_iterator, to_map_style_dataset) is replaced by a synthetic AG_NEWS of the
#   same form ((label 1-4, text) pairs: World/Sports/Business/Sci-Tec headlines of two to four
#   topic words of their class among common words; 2400 training and 400 test lines instead of
#   120000 and 7600), a tokenizer that lower-cases and splits off punctuation as basic_english
#   does, a vocabulary by frequency with '<unk>' first, as build_vocab_from_iterator builds it,
#   and `list` as to_map_style_dataset; log_interval 500 -> 10; `torch.manual_seed(0)` and
#   `random.seed(0)` added so that the check repeats; the untrained model's test accuracy and
#   the learning check at the end are added.
import random
import re
from collections import Counter

import chainrule as torch

torch.manual_seed(0)
random.seed(0)

######################################################################
# Access to the raw dataset iterators
# -----------------------------------

# synthetic stand-in for torchtext.datasets.AG_NEWS: (label, text) pairs, labels 1-4
_topics = {
    1: "government minister president election war troops peace talks united nations capital "
       "embassy rebels border prime parliament vote iraq leaders treaty",
    2: "game season team coach win victory championship round strokes tour lead players "
       "league cup match scored open final golf",
    3: "company shares profit market stocks oil prices quarter sales investors bank deal "
       "billion earnings economy retail merger",
    4: "software internet computer space research scientists technology microsoft online "
       "users network web launch wireless study data",
}
_common = ("the a of in on to for after with and said says by as at new first "
           "two its has was from over will").split()


def _headline(rng, label):
    words = [rng.choice(_common) for _ in range(rng.randint(8, 16))]
    for _ in range(rng.randint(2, 4)):
        words.insert(rng.randrange(len(words) + 1), rng.choice(_topics[label].split()))
    words[0] = words[0].capitalize()
    return " ".join(words) + rng.choice([".", ",", " (AP).", "!"])


def AG_NEWS(split=None):
    def lines(n, seed):
        rng = random.Random(seed)
        return [(label, _headline(rng, label)) for label in (rng.randint(1, 4) for _ in range(n))]
    if split == "train":
        return lines(2400, 1)
    if split == "test":
        return lines(400, 2)
    return lines(2400, 1), lines(400, 2)


train_iter = iter(AG_NEWS(split="train"))

######################################################################
# Prepare data processing pipelines
# ---------------------------------


def get_tokenizer(name):
    # basic_english: lower case, punctuation split off as tokens of its own
    return lambda line: re.findall(r"[a-z0-9']+|[.,;:!?()]", line.lower())


def build_vocab_from_iterator(iterator, specials):
    counts = Counter(token for tokens in iterator for token in tokens)
    itos = list(specials) + sorted((t for t in counts if t not in specials), key=lambda t: (-counts[t], t))
    class Vocab:
        def __init__(self):
            self.stoi = {t: i for i, t in enumerate(itos)}
            self.default = None
        def set_default_index(self, index):
            self.default = index
        def __getitem__(self, token):
            return self.stoi.get(token, self.default)
        def __call__(self, tokens):
            return [self[t] for t in tokens]
        def __len__(self):
            return len(itos)
    return Vocab()


tokenizer = get_tokenizer("basic_english")
train_iter = AG_NEWS(split="train")


def yield_tokens(data_iter):
    for _, text in data_iter:
        yield tokenizer(text)


vocab = build_vocab_from_iterator(yield_tokens(train_iter), specials=["<unk>"])
vocab.set_default_index(vocab["<unk>"])

text_pipeline = lambda x: vocab(tokenizer(x))
label_pipeline = lambda x: int(x) - 1


######################################################################
# Generate data batch and iterator
# --------------------------------


from chainrule.utils.data import DataLoader

device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def collate_batch(batch):
    label_list, text_list, offsets = [], [], [0]
    for _label, _text in batch:
        label_list.append(label_pipeline(_label))
        processed_text = torch.tensor(text_pipeline(_text), dtype=torch.int64)
        text_list.append(processed_text)
        offsets.append(processed_text.size(0))
    label_list = torch.tensor(label_list, dtype=torch.int64)
    offsets = torch.tensor(offsets[:-1]).cumsum(dim=0)
    text_list = torch.cat(text_list)
    return label_list.to(device), text_list.to(device), offsets.to(device)


train_iter = AG_NEWS(split="train")
dataloader = DataLoader(
    train_iter, batch_size=8, shuffle=False, collate_fn=collate_batch
)


######################################################################
# Define the model
# ----------------

from chainrule import nn


class TextClassificationModel(nn.Module):
    def __init__(self, vocab_size, embed_dim, num_class):
        super(TextClassificationModel, self).__init__()
        self.embedding = nn.EmbeddingBag(vocab_size, embed_dim, sparse=False)
        self.fc = nn.Linear(embed_dim, num_class)
        self.init_weights()

    def init_weights(self):
        initrange = 0.5
        self.embedding.weight.data.uniform_(-initrange, initrange)
        self.fc.weight.data.uniform_(-initrange, initrange)
        self.fc.bias.data.zero_()

    def forward(self, text, offsets):
        embedded = self.embedding(text, offsets)
        return self.fc(embedded)


######################################################################
# Initiate an instance
# --------------------

train_iter = AG_NEWS(split="train")
num_class = len(set([label for (label, text) in train_iter]))
vocab_size = len(vocab)
emsize = 64
model = TextClassificationModel(vocab_size, emsize, num_class).to(device)


######################################################################
# Define functions to train the model and evaluate results.
# ---------------------------------------------------------


import time


def train(dataloader):
    model.train()
    total_acc, total_count = 0, 0
    log_interval = 10
    start_time = time.time()

    for idx, (label, text, offsets) in enumerate(dataloader):
        optimizer.zero_grad()
        predicted_label = model(text, offsets)
        loss = criterion(predicted_label, label)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        optimizer.step()
        total_acc += (predicted_label.argmax(1) == label).sum().item()
        total_count += label.size(0)
        if idx % log_interval == 0 and idx > 0:
            elapsed = time.time() - start_time
            print(
                "| epoch {:3d} | {:5d}/{:5d} batches "
                "| accuracy {:8.3f}".format(
                    epoch, idx, len(dataloader), total_acc / total_count
                )
            )
            total_acc, total_count = 0, 0
            start_time = time.time()


def evaluate(dataloader):
    model.eval()
    total_acc, total_count = 0, 0

    with torch.no_grad():
        for idx, (label, text, offsets) in enumerate(dataloader):
            predicted_label = model(text, offsets)
            loss = criterion(predicted_label, label)
            total_acc += (predicted_label.argmax(1) == label).sum().item()
            total_count += label.size(0)
    return total_acc / total_count


######################################################################
# Split the dataset and run the model
# -----------------------------------


from chainrule.utils.data.dataset import random_split
to_map_style_dataset = list

# Hyperparameters
EPOCHS = 10  # epoch
LR = 5  # learning rate
BATCH_SIZE = 64  # batch size for training

criterion = torch.nn.CrossEntropyLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=LR)
scheduler = torch.optim.lr_scheduler.StepLR(optimizer, 1.0, gamma=0.1)
total_accu = None
train_iter, test_iter = AG_NEWS()
train_dataset = to_map_style_dataset(train_iter)
test_dataset = to_map_style_dataset(test_iter)
num_train = int(len(train_dataset) * 0.95)
split_train_, split_valid_ = random_split(
    train_dataset, [num_train, len(train_dataset) - num_train]
)

train_dataloader = DataLoader(
    split_train_, batch_size=BATCH_SIZE, shuffle=True, collate_fn=collate_batch
)
valid_dataloader = DataLoader(
    split_valid_, batch_size=BATCH_SIZE, shuffle=True, collate_fn=collate_batch
)
test_dataloader = DataLoader(
    test_dataset, batch_size=BATCH_SIZE, shuffle=True, collate_fn=collate_batch
)

accu_untrained = evaluate(test_dataloader)  # (added) for the learning check

for epoch in range(1, EPOCHS + 1):
    epoch_start_time = time.time()
    train(train_dataloader)
    accu_val = evaluate(valid_dataloader)
    if total_accu is not None and total_accu > accu_val:
        scheduler.step()
    else:
        total_accu = accu_val
    print("-" * 59)
    print(
        "| end of epoch {:3d} | time: {:5.2f}s | "
        "valid accuracy {:8.3f} ".format(
            epoch, time.time() - epoch_start_time, accu_val
        )
    )
    print("-" * 59)


######################################################################
# Evaluate the model with test dataset
# ------------------------------------


######################################################################
# Checking the results of the test dataset…

print("Checking the results of test dataset.")
accu_test = evaluate(test_dataloader)
print("test accuracy {:8.3f}".format(accu_test))


######################################################################
# Test on a random news
# ---------------------


ag_news_label = {1: "World", 2: "Sports", 3: "Business", 4: "Sci/Tec"}


def predict(text, text_pipeline):
    with torch.no_grad():
        text = torch.tensor(text_pipeline(text))
        output = model(text, torch.tensor([0]))
        return output.argmax(1).item() + 1


ex_text_str = "MEMPHIS, Tenn. – Four days ago, Jon Rahm was \
    enduring the season’s worst weather conditions on Sunday at The \
    Open on his way to a closing 75 at Royal Portrush, which \
    considering the wind and the rain was a respectable showing. \
    Thursday’s first round at the WGC-FedEx St. Jude Invitational \
    was another story. With temperatures in the mid-80s and hardly any \
    wind, the Spaniard was 13 strokes better in a flawless round. \
    Thanks to his best putting performance on the PGA Tour, Rahm \
    finished with an 8-under 62 for a three-stroke lead, which \
    was even more impressive considering he’d never played the \
    front nine at TPC Southwind."

model = model.to("cpu")

print("This is a %s news" % ag_news_label[predict(ex_text_str, text_pipeline)])


# learning check (added): the test accuracy rose from chance (4 classes) to nearly all correct,
# and `predict` names the class of new headlines of each topic (the golf news above is mostly
# words this small vocabulary lacks, so its class is printed only)
print(f"test accuracy {accu_untrained:.3f} -> {accu_test:.3f}")
assert accu_untrained < 0.5, accu_untrained
assert accu_test > 0.9, accu_test
_rng = random.Random(3)
for label in ag_news_label:
    news = [_headline(_rng, label) for _ in range(5)]
    assert [predict(text, text_pipeline) for text in news] == [label] * 5, (label, news)
