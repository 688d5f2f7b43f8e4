# ruff: noqa
# (The program is kept as its authors wrote it, quirks included, so the linter skips it.)
# Source: pytorch/tutorials, intermediate_source/char_rnn_classification_tutorial.py ("NLP From
#   Scratch: Classifying Names with a Character-Level RNN", by Sean Robertson). Licence: BSD-3-Clause.
# Edits: `import torch` -> `import chainrule as torch` (and `import torch.nn as nn`,
#   `import torch.nn.functional as F` with it); the data.zip download and the reading of
#   data/names/*.txt (findFiles, readLines; 18 languages, 20074 surnames) are replaced by 30 common
#   surnames each of 6 languages inlined as `category_lines`; n_iters 100000 -> 6000 (print_every
#   5000 -> 1000, plot_every 1000 -> 500) and n_confusion 10000 -> 1000; matplotlib (the loss plot
#   and the confusion-matrix figure) is left out, the confusion matrix itself kept;
#   `torch.manual_seed(0)` and `random.seed(0)` added so that the check repeats; the learning
#   check at the end is added.
from io import open
import glob
import os

import unicodedata
import string

all_letters = string.ascii_letters + " .,;'"
n_letters = len(all_letters)

# Turn a Unicode string to plain ASCII, thanks to https://stackoverflow.com/a/518232/2809427
def unicodeToAscii(s):
    return ''.join(
        c for c in unicodedata.normalize('NFD', s)
        if unicodedata.category(c) != 'Mn'
        and c in all_letters
    )

print(unicodeToAscii('Ślusàrski'))

# Build the category_lines dictionary, a list of names per language
# (inlined: 30 surnames of each of 6 languages instead of the 18 files of data/names)
category_lines = {
    'Chinese': '''Bai Cai Cao Chen Cheng Deng Ding Du Fan Feng Gao Guo Han Hu Huang Jiang Liang Lin
                  Liu Luo Ma Song Sun Tang Wang Wu Xu Zhang Zhao Zhou'''.split(),
    'Greek': '''Alexopoulos Andreou Angelopoulos Antoniou Christodoulou Dimitriou Georgiou
                Giannopoulos Ioannidis Kanellopoulos Karagiannis Konstantinidis Makris Nikolaidis
                Oikonomou Papadakis Papadopoulos Papageorgiou Papanikolaou Pappas Vlachos Theodorou
                Vasileiou Katsaros Lambrakis Michailidis Panagiotopoulos Stavropoulos Tsoukalas
                Xenakis'''.split(),
    'Italian': '''Bianchi Bruno Colombo Conti Costa Esposito Ferrari Fontana Galli Gallo Greco
                  Lombardi Mancini Marino Martini Moretti Ricci Rinaldi Romano Rossi Russo Santoro
                  Barbieri Caruso Mariani Leone Longo Gentile Vitale Ferraro'''.split(),
    'Japanese': '''Abe Aoki Fujita Fukuda Hamada Hashimoto Hayashi Honda Ikeda Inoue Ishii Kato
                   Kimura Kobayashi Kondo Matsumoto Murakami Nakamura Nakano Ogawa Okada Saito
                   Sakamoto Sasaki Suzuki Takahashi Tanaka Watanabe Yamada Yoshida'''.split(),
    'Polish': '''Adamczyk Dabrowski Dudek Grabowski Jankowski Kaczmarek Kaminski Kowalczyk Kowalski
                 Kozlowski Krawczyk Lewandowski Majewski Mazur Nowak Nowakowski Pawlowski Piotrowski
                 Sikora Szymanski Walczak Wieczorek Wisniewski Wojcik Wozniak Zajac Zielinski
                 Olszewski Jaworski Malinowski'''.split(),
    'Russian': '''Abramov Alexeev Baranov Belov Bogdanov Volkov Vasiliev Golubev Egorov Zaitsev
                  Ivanov Kozlov Kuznetsov Lebedev Morozov Nikolaev Novikov Orlov Pavlov Petrov Popov
                  Romanov Semenov Smirnov Sokolov Sorokin Stepanov Fedorov Frolov Yakovlev'''.split(),
}
all_categories = list(category_lines)

n_categories = len(all_categories)


print(category_lines['Italian'][:5])


import chainrule as torch
torch.manual_seed(0)

# Find letter index from all_letters, e.g. "a" = 0
def letterToIndex(letter):
    return all_letters.find(letter)

# Just for demonstration, turn a letter into a <1 x n_letters> Tensor
def letterToTensor(letter):
    tensor = torch.zeros(1, n_letters)
    tensor[0][letterToIndex(letter)] = 1
    return tensor

# Turn a line into a <line_length x 1 x n_letters>,
# or an array of one-hot letter vectors
def lineToTensor(line):
    tensor = torch.zeros(len(line), 1, n_letters)
    for li, letter in enumerate(line):
        tensor[li][0][letterToIndex(letter)] = 1
    return tensor

print(letterToTensor('J'))

print(lineToTensor('Jones').size())


import chainrule.nn as nn
import chainrule.nn.functional as F

class RNN(nn.Module):
    def __init__(self, input_size, hidden_size, output_size):
        super(RNN, self).__init__()

        self.hidden_size = hidden_size

        self.i2h = nn.Linear(input_size, hidden_size)
        self.h2h = nn.Linear(hidden_size, hidden_size)
        self.h2o = nn.Linear(hidden_size, output_size)
        self.softmax = nn.LogSoftmax(dim=1)

    def forward(self, input, hidden):
        hidden = F.tanh(self.i2h(input) + self.h2h(hidden))
        output = self.h2o(hidden)
        output = self.softmax(output)
        return output, hidden

    def initHidden(self):
        return torch.zeros(1, self.hidden_size)

n_hidden = 128
rnn = RNN(n_letters, n_hidden, n_categories)


input = letterToTensor('A')
hidden = torch.zeros(1, n_hidden)

output, next_hidden = rnn(input, hidden)


input = lineToTensor('Albert')
hidden = torch.zeros(1, n_hidden)

output, next_hidden = rnn(input[0], hidden)
print(output)


def categoryFromOutput(output):
    top_n, top_i = output.topk(1)
    category_i = top_i[0].item()
    return all_categories[category_i], category_i

print(categoryFromOutput(output))


import random
random.seed(0)

def randomChoice(l):
    return l[random.randint(0, len(l) - 1)]

def randomTrainingExample():
    category = randomChoice(all_categories)
    line = randomChoice(category_lines[category])
    category_tensor = torch.tensor([all_categories.index(category)], dtype=torch.long)
    line_tensor = lineToTensor(line)
    return category, line, category_tensor, line_tensor

for i in range(10):
    category, line, category_tensor, line_tensor = randomTrainingExample()
    print('category =', category, '/ line =', line)


criterion = nn.NLLLoss()


learning_rate = 0.005 # If you set this too high, it might explode. If too low, it might not learn

def train(category_tensor, line_tensor):
    hidden = rnn.initHidden()

    rnn.zero_grad()

    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)

    loss = criterion(output, category_tensor)
    loss.backward()

    # Add parameters' gradients to their values, multiplied by learning rate
    for p in rnn.parameters():
        p.data.add_(p.grad.data, alpha=-learning_rate)

    return output, loss.item()


import time
import math

n_iters = 6000
print_every = 1000
plot_every = 500



# Keep track of losses for plotting
current_loss = 0
all_losses = []

def timeSince(since):
    now = time.time()
    s = now - since
    m = math.floor(s / 60)
    s -= m * 60
    return '%dm %ds' % (m, s)

start = time.time()

for iter in range(1, n_iters + 1):
    category, line, category_tensor, line_tensor = randomTrainingExample()
    output, loss = train(category_tensor, line_tensor)
    current_loss += loss

    # Print ``iter`` number, loss, name and guess
    if iter % print_every == 0:
        guess, guess_i = categoryFromOutput(output)
        correct = '✓' if guess == category else '✗ (%s)' % category
        print('%d %d%% (%s) %.4f %s / %s %s' % (iter, iter / n_iters * 100, timeSince(start), loss, line, guess, correct))

    # Add current loss avg to list of losses
    if iter % plot_every == 0:
        all_losses.append(current_loss / plot_every)
        current_loss = 0


# Keep track of correct guesses in a confusion matrix
confusion = torch.zeros(n_categories, n_categories)
n_confusion = 1000

# Just return an output given a line
def evaluate(line_tensor):
    hidden = rnn.initHidden()

    for i in range(line_tensor.size()[0]):
        output, hidden = rnn(line_tensor[i], hidden)

    return output

# Go through a bunch of examples and record which are correctly guessed
for i in range(n_confusion):
    category, line, category_tensor, line_tensor = randomTrainingExample()
    output = evaluate(line_tensor)
    guess, guess_i = categoryFromOutput(output)
    category_i = all_categories.index(category)
    confusion[category_i][guess_i] += 1

# learning check (added, before the rows are normalized): most guesses are right
accuracy = sum(confusion[i][i].item() for i in range(n_categories)) / n_confusion

# Normalize by dividing every row by its sum
for i in range(n_categories):
    confusion[i] = confusion[i] / confusion[i].sum()


def predict(input_line, n_predictions=3):
    print('\n> %s' % input_line)
    with torch.no_grad():
        output = evaluate(lineToTensor(input_line))

        # Get top N categories
        topv, topi = output.topk(n_predictions, 1, True)
        predictions = []

        for i in range(n_predictions):
            value = topv[0][i].item()
            category_index = topi[0][i].item()
            print('(%.2f) %s' % (value, all_categories[category_index]))
            predictions.append([value, all_categories[category_index]])

predict('Dovesky')
predict('Jackson')
predict('Satoshi')

# learning check (added): the loss falls and the guesses are far above chance (1/6)
print(all_losses[0], all_losses[-1], accuracy)
assert all_losses[-1] < all_losses[0] / 2
assert accuracy > 0.6
